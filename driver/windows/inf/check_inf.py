#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cross-checks hush.inf against the driver source, since nothing on Linux can install it.

Fails (exit 1, naming each problem) when:
  - a %token% is used but not defined in [Strings], or a referenced section is missing;
  - a KSNAME_* reference string differs from the PcRegisterSubdevice name in
    sys/descriptors.h, or a subdevice has no interfaces;
  - the pin-name GUIDs differ from HUSH_PINNAME_* in sys/guids.cc;
  - a KSCATEGORY_* / Proxy.CLSID GUID differs from mingw-w64's ks.h/ksmedia.h/ksproxy.h;
  - a wave filter lacks AUDIO+REALTIME+RENDER/CAPTURE, a topology filter AUDIO+TOPOLOGY;
  - the endpoint names are not "Hush speaker" / "Hush microphone";
  - the service binary is not the one file the package ships.
usage: check_inf.py [hush.inf] [driver/windows/sys] [mingw include dir]
"""
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
inf_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "hush.inf")
sys_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "sys")
inc_dir = sys.argv[3] if len(sys.argv) > 3 else "/usr/share/mingw-w64/include"
errors = []


def parse_inf(path):
    sections, current = {}, None
    for raw in open(path, encoding="utf-8"):
        line = raw.split(";", 1)[0].strip() if not raw.lstrip().startswith('"') else raw.strip()
        # A ';' inside quotes is not a comment; hush.inf has none, so a plain split is exact.
        if not line:
            continue
        m = re.fullmatch(r"\[([^\]]+)\]", line)
        if m:
            current = m.group(1).strip()
            sections.setdefault(current.lower(), (current, []))
            continue
        if current is None:
            errors.append(f"line outside any section: {line}")
            continue
        sections[current.lower()][1].append(line)
    return sections


sections = parse_inf(inf_path)


def section(name):
    entry = sections.get(name.lower())
    if entry is None:
        errors.append(f"missing section [{name}]")
        return []
    return entry[1]


strings = {}
for line in section("Strings"):
    key, _, value = line.partition("=")
    strings[key.strip().lower()] = value.strip().strip('"')


def expand(text):
    def sub(m):
        key = m.group(1).lower()
        if key.isdigit():  # %13% and friends are DIRIDs
            return m.group(0)
        if key not in strings:
            errors.append(f"%{m.group(1)}% used but not defined in [Strings]")
            return m.group(0)
        return strings[key]
    return re.sub(r"%([^%]+)%", sub, text)


for name, (_, lines) in sections.items():
    if name == "strings":
        continue
    for line in lines:
        expand(line)

# ---- the source's names and GUIDs ----
descriptors = open(os.path.join(sys_dir, "descriptors.h"), encoding="utf-8").read()
subdevices = dict(re.findall(r'k(\w+)Name\[\]\s*=\s*L"([^"]+)"', descriptors))
if len(subdevices) != 4:
    errors.append(f"expected 4 subdevice names in descriptors.h, found {subdevices}")


def guid_from_init(text):
    nums = [int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]+)", text)]
    if len(nums) != 11:
        return None
    return "{%08X-%04X-%04X-%02X%02X-%s}" % (nums[0], nums[1], nums[2], nums[3], nums[4],
                                             "".join("%02X" % n for n in nums[5:]))


guids_cc = open(os.path.join(sys_dir, "guids.cc"), encoding="utf-8").read()
source_guids = {name: guid_from_init(init) for name, init in
                re.findall(r"const GUID (\w+)\s*=\s*(\{[^;]+\});", guids_cc)}
for inf_key, src_name in (("hush.speakernameguid", "HUSH_PINNAME_SPEAKER"),
                          ("hush.micnameguid", "HUSH_PINNAME_MICROPHONE")):
    if strings.get(inf_key, "").upper() != (source_guids.get(src_name) or "?"):
        errors.append(f"{inf_key} = {strings.get(inf_key)} but guids.cc has {src_name} = {source_guids.get(src_name)}")

# ---- well-known GUIDs against mingw-w64's headers ----
header_guids = {}
for header in ("ks.h", "ksmedia.h", "ksproxy.h"):
    path = os.path.join(inc_dir, header)
    if os.path.exists(path):
        for g, n in re.findall(r'DEFINE_GUIDSTRUCT\("([0-9A-Fa-f-]+)",\s*(\w+)\)', open(path, encoding="latin-1").read()):
            header_guids[n] = "{" + g.upper() + "}"
if header_guids:
    for key, hname in (("kscategory_audio", "KSCATEGORY_AUDIO"), ("kscategory_render", "KSCATEGORY_RENDER"),
                       ("kscategory_capture", "KSCATEGORY_CAPTURE"), ("kscategory_realtime", "KSCATEGORY_REALTIME"),
                       ("kscategory_topology", "KSCATEGORY_TOPOLOGY"), ("proxy.clsid", "CLSID_Proxy")):
        if strings.get(key, "").upper() != header_guids.get(hname):
            errors.append(f"{key} = {strings.get(key)} but {hname} is {header_guids.get(hname)} in mingw-w64")
else:
    print(f"check_inf: {inc_dir}/ks.h not found; well-known GUIDs not cross-checked")

# ---- interfaces per subdevice ----
install = "Hush.Install.NT"
interfaces = {}
for line in section(install + ".Interfaces"):
    key, _, value = line.partition("=")
    if key.strip().lower() != "addinterface":
        continue
    parts = [p.strip() for p in value.split(",")]
    if len(parts) < 3:
        errors.append(f"malformed AddInterface: {line}")
        continue
    category, ref, target = expand(parts[0]).upper(), expand(parts[1]), parts[2]
    interfaces.setdefault(ref, set()).add(category)
    add_reg = [l for l in section(target) if l.lower().startswith("addreg")]
    if not add_reg:
        errors.append(f"[{target}] has no AddReg")
    for l in add_reg:
        for s in l.partition("=")[2].split(","):
            regs = section(s.strip())
            if not any("CLSID" in r and expand(r).upper().endswith(strings.get("proxy.clsid", "?").upper()) for r in regs):
                errors.append(f"[{s.strip()}] does not register the KS proxy CLSID")

cat = {k: strings.get("kscategory_" + k, "?").upper() for k in ("audio", "render", "capture", "realtime", "topology")}
expected = {
    subdevices.get("WaveSpeaker"): {cat["audio"], cat["render"], cat["realtime"]},
    subdevices.get("TopoSpeaker"): {cat["audio"], cat["topology"]},
    subdevices.get("WaveMic"): {cat["audio"], cat["capture"], cat["realtime"]},
    subdevices.get("TopoMic"): {cat["audio"], cat["topology"]},
}
for ref, cats in expected.items():
    if ref is None:
        continue
    if interfaces.get(ref) != cats:
        errors.append(f"subdevice {ref}: INF interfaces {sorted(interfaces.get(ref, []))} != expected {sorted(cats)}")
for ref in interfaces:
    if ref not in expected:
        errors.append(f"AddInterface for {ref}, which the driver never registers")

# ---- names, files, service ----
if strings.get("hush.speakername") != "Hush speaker" or strings.get("hush.micname") != "Hush microphone":
    errors.append("endpoint names must be 'Hush speaker' and 'Hush microphone'")
files = [l.split("=")[0].strip().lower() for l in section("SourceDisksFiles")]
if files != ["hush.sys"]:
    errors.append(f"[SourceDisksFiles] should ship exactly hush.sys, has {files}")
service = {l.partition("=")[0].strip().lower(): l.partition("=")[2].strip() for l in section("Hush.Service")}
if not service.get("servicebinary", "").lower().endswith("\\hush.sys"):
    errors.append(f"ServiceBinary {service.get('servicebinary')} is not hush.sys")
if service.get("servicetype") != "1":
    errors.append("ServiceType must be 1 (kernel driver)")
if not any("Root\\HushAudio" in l for l in section("Hush.NTamd64.10.0...17763")):
    errors.append("the models section must install Root\\HushAudio")

if errors:
    for e in errors:
        print("check_inf: " + e)
    sys.exit(1)
print(f"check_inf: {os.path.basename(inf_path)} consistent with the driver source "
      f"({len(interfaces)} subdevices, {sum(len(v) for v in interfaces.values())} interfaces)")
