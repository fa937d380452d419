import sys

from keras_vis.cli import main

sys.exit(main())
