"""What people read and hear: MusicXML, the engraved SVG score, MIDI, WAV at -16 LUFS, download
names and files written by suffix."""
