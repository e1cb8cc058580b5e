"""`python -m photosearch ...` is the `photosearch` command."""
import sys

from photosearch.cli import main

sys.exit(main())
