"""Download and unpack the Geant4 datasets of the geant4-pybind build at image build time.

    python fetch_g4data.py --dest /opt/geant4/data [--datasets auto|required|none] [--neutron-hp 0|1]

The list (names, versions, md5 sums) is the one geant4-pybind 0.1.3 (Geant4 11.4.1) expects; every archive
is checked against its md5 sum before it is unpacked. G4NDL (neutron HP cross sections, the largest one)
is only needed by *_HP physics lists and is skipped unless --neutron-hp 1 is given.

--datasets auto (the default) leaves ``--dest`` empty, and says so, when the download site cannot be
reached at all: the image then runs the datafree physics. Once the site answers, every failure is fatal.
"""

import argparse
import hashlib
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

URL = "https://cern.ch/geant4-data/datasets"
PROBE_TIMEOUT_S = 30

# (archive prefix, version, folder name once unpacked, environment variable, md5 of the archive)
DATASETS = [
    ("G4NDL", "4.7.1", "G4NDL4.7.1", "G4NEUTRONHPDATA", "54f0ed3995856f02433d42ec96d70bc6"),
    ("G4EMLOW", "8.8", "G4EMLOW8.8", "G4LEDATA", "328330009df633f7e9b3a9f445745298"),
    ("G4PhotonEvaporation", "6.1.2", "PhotonEvaporation6.1.2", "G4LEVELGAMMADATA", "d80ba9bdefcf9e23487a26adfa273304"),
    ("G4RadioactiveDecay", "6.1.2", "RadioactiveDecay6.1.2", "G4RADIOACTIVEDATA", "20d494f73d4bddabd7fab5c06a58895c"),
    ("G4PARTICLEXS", "4.2", "G4PARTICLEXS4.2", "G4PARTICLEXSDATA", "b63341cc97a472b04ff607b094493174"),
    ("G4PII", "1.3", "G4PII1.3", "G4PIIDATA", "05f2471dbcdf1a2b17cbff84e8e83b37"),
    ("G4RealSurface", "2.2", "RealSurface2.2", "G4REALSURFACEDATA", "ea8f1cfa8d8aafd64b71fb30b3e8a6d9"),
    ("G4SAIDDATA", "2.0", "G4SAIDDATA2.0", "G4SAIDXSDATA", "d5d4e9541120c274aeed038c621d39da"),
    ("G4ABLA", "3.3", "G4ABLA3.3", "G4ABLADATA", "b25d093339e1e4532e31038653580ca6"),
    ("G4INCL", "1.3", "G4INCL1.3", "G4INCLDATA", "72c3ff5f7f1e6f727f2ebf3b11ce784f"),
    ("G4ENSDFSTATE", "3.0", "G4ENSDFSTATE3.0", "G4ENSDFSTATEDATA", "c500728534ce3e9fb2fefa0112eb3a74"),
    ("G4CHANNELING", "2.0", "G4CHANNELING2.0", "G4CHANNELINGDATA", "e853fbcba1e8640f7c3a437253955482"),
]
NEUTRON_HP = "G4NDL"


def md5(path):
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(prefix, version, expected_md5, dest):
    """Download one archive, check its md5 sum, unpack it into ``dest``."""
    name = f"{prefix}.{version}.tar.gz"
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / name
        urllib.request.urlretrieve(f"{URL}/{name}", archive)
        actual = md5(archive)
        if actual != expected_md5:
            sys.exit(f"fetch_g4data: {name}: md5 {actual} does not match the expected {expected_md5}")
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
    print(f"fetch_g4data: {name} OK", flush=True)


def unreachable(url):
    """The reason ``url``'s server cannot be reached (no answer at all), or None when it answers."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=PROBE_TIMEOUT_S):
            return None
    except urllib.error.HTTPError:
        return None  # the server answered: fetching will report what is wrong
    except OSError as err:  # URLError, timeouts, refused connections
        return str(getattr(err, "reason", err))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, required=True, help="folder that becomes GEANT4_DATA_DIR")
    parser.add_argument("--datasets", choices=("auto", "required", "none"), default="auto",
                        help="auto: skip when the site is unreachable; required: fail then; none: skip")
    parser.add_argument("--neutron-hp", choices=("0", "1"), default="0", help="1: also fetch G4NDL (large)")
    args = parser.parse_args(argv)
    args.dest.mkdir(parents=True, exist_ok=True)
    if args.datasets == "none":
        print("fetch_g4data: no datasets requested: the image runs the datafree physics")
        return
    first = next(d for d in DATASETS if d[0] != NEUTRON_HP)
    reason = unreachable(f"{URL}/{first[0]}.{first[1]}.tar.gz")
    if reason is not None:
        message = f"fetch_g4data: {URL} is unreachable ({reason})"
        if args.datasets == "required":
            sys.exit(message)
        print(f"{message}: no datasets, the image runs the datafree physics", flush=True)
        return
    for prefix, version, folder, _, expected in DATASETS:
        if prefix == NEUTRON_HP and args.neutron_hp == "0":
            continue
        fetch(prefix, version, expected, args.dest)
        if not (args.dest / folder).is_dir():
            sys.exit(f"fetch_g4data: {prefix}.{version} did not unpack into {folder}/")


if __name__ == "__main__":
    main()
