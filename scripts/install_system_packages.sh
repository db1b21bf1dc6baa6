#!/usr/bin/env bash
# Debian packages for sound (FluidSynth + a General MIDI SoundFont), the browser test
# (Chromium), the PDF handout (Cairo, DejaVu fonts) and speech for the sung-seed tests
# (espeak-ng). Installed only when missing, apt-get is there and we are root; otherwise the
# app falls back to pretty_midi's own synthesis, the browser test is skipped, and the studio
# says why it cannot make a PDF.
set -u
need=()
command -v fluidsynth >/dev/null 2>&1 || need+=(fluidsynth)
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need+=(fluid-soundfont-gm)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libcairo\.so\.2' || need+=(libcairo2)  # the PDF handout (CairoSVG)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)  # the handout's text
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)  # speech for the sung-seed tests (not a song)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no apt-get; without ${need[*]} the app uses pretty_midi's synthesis and the browser test is skipped"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "note: not root; run 'sudo apt-get install ${need[*]}' for FluidSynth sound and the browser test"
  exit 0
fi
echo "installing Debian packages: ${need[*]}"
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/tmp/folk-apt.log 2>&1 \
  || echo "note: apt-get could not install ${need[*]} (see /tmp/folk-apt.log); falling back"
exit 0
