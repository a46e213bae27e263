"""The Textual app.

Importing it turns the cyclic garbage collector off until the calendar's first frame (app.py turns it back
on and freezes what start-up made): start-up allocates much and frees little, and collections through it
were about a tenth of the CPU time to the first frame.
"""

import gc

gc.disable()
