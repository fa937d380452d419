"""Synthetic recordings, version 2: everything random except the physics of a contact.

Version 1 (styles ``studio`` and ``outdoor``) draws one cartoon, and models learn the cartoon:
a ring spreading from the contact, flat colour patches, a fat stick, the first hit at 0.35 s.
Here each recording draws its own camera, scene, stick, hand, light, codec and microphone.
What all recordings share is physical: the tip of a drumstick reaches a surface and stops
there (it bends, bounces, dents a soft surface, pushes a light object, kicks up grit) at the
moment the sound of that contact starts, to the audio sample.

Style families (``FAMILIES``) differ in scene layout, materials and sound:
- ``v2-indoor``: walls, desks, shelves, curtains and chairs seen as planes meeting at edges,
  with clutter; room reverb, mains hum, air handling, voices.
- ``v2-tabletop``: a close view of a table with cups, boxes and bottles on it (light ones
  slide when struck); small-room reverb.
- ``v2-outdoor``: ground (dirt, gravel, grass, leaves, rock, puddles) in sun and dappled
  shade; wind, birds, traffic, almost no reverb.
- ``v2`` mixes the families except ``HELD_OUT`` (v2-outdoor), kept for out-of-distribution
  tests; ``v2-all`` mixes all three (nothing held out: for models judged on real footage alone,
  much of which is struck outdoors).
- ``v2-photo`` is ``v2`` with ``PHOTO_RATE`` of the surfaces and backdrops cut from real
  photographs (those scikit-image ships: brick, grass, gravel, text on paper, a cat, coffee,
  coins...), rescaled, turned and tinted: picture statistics no procedure makes.
- ``v2-strikers`` is ``v2``'s recordings struck with mallets, hammers and bare hands as well as
  drumsticks, one striker or two taking turns.
- ``v2-rhythm`` is ``v2``'s recordings with ``RHYTHM_RATE`` of them struck to a steady beat:
  within each burst the contacts come one beat apart (drawn from the dataset's intervals,
  +-``BEAT_JITTER``), as a drummer, a smith or anyone striking over and over does. ``v2``'s
  intervals are drawn one by one, so a model can take "one contact lines up at this lag and no
  other does" for sync; with a beat, the sound one beat early lines up with every contact but
  one, and only the lag itself tells sync from a beat off.

Per recording: frame rate (15-30 fps), frame size (heights and aspect ratios up to the size
asked for), H.264 quality (crf 16-40), shutter (motion blur from sub-frame positions of the
stick and hand), camera shake, handheld drift, zoom and roll, lighting drift and exposure
steps, sensor noise. Audio: modal and noise-burst impacts, scratches as loud as the stroke is
fast, room reverb, background noise, off-screen knocks, gain changes, clipping and band limits
(a low-pass at 8-12 kHz on about a third of the recordings). Distractors move without a
sound. Version 1's ring marks ``RING_RATE`` of the contacts.

The parts, each importing only those above it: ``settings`` (families and ranges; light),
``looks`` -> ``scene`` -> ``plan`` -> ``motion`` -> ``video`` and ``sound`` -> ``recording``
(``write_recording``). Importing this package loads nothing; the parts past ``settings`` import
the video and audio libraries at module level, so ``generate`` imports ``recording`` before its
worker processes fork and they share the import.
"""
