// SPDX-License-Identifier: MIT
// The back door: the control device \Device\HushControl (\\.\HushControl from user mode)
// through which hush.exe reads the speaker ring and writes the mic ring. Protocol, IOCTL
// codes and validation: driver/windows/shared/hush_driver/ioctl_protocol.h.
//
// Rules it enforces:
//  - Security: a protected DACL equal to kHushControlSddl
//    D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;S-1-5-80-<SHA-1("HUSH")>), i.e. only SYSTEM,
//    Administrators and the Hush service (NT SERVICE\Hush); applied before the device
//    accepts its first open. FILE_DEVICE_SECURE_OPEN makes opens of any name below the
//    device obey the same DACL (and such names are refused anyway).
//  - One opener: a second IRP_MJ_CREATE while a handle is open fails with
//    STATUS_SHARING_VIOLATION (ERROR_SHARING_VIOLATION in user mode: "in use", distinct
//    from the DACL's ACCESS_DENIED). The claim ends at IRP_MJ_CLOSE; IRP_MJ_CLEANUP
//    cancels the handle's pending waits first.
//  - Every IOCTL's input and output lengths pass ioctl_protocol.h's validation functions
//    before any byte is copied; anything else the control device receives fails with
//    STATUS_INVALID_DEVICE_REQUEST. IRPs for the PortCls devices never come here.
#ifndef HUSH_DRIVER_SYS_BACKDOOR_H
#define HUSH_DRIVER_SYS_BACKDOOR_H

#include "adapter_common.h"

namespace hush::km {

// Creates the control device for `adapter` (which it references), secures it, links
// \DosDevices\HushControl and opens it for business. PASSIVE_LEVEL. Fails (nothing left
// behind) with IoCreateDevice's status, e.g. STATUS_OBJECT_NAME_COLLISION for a second
// Hush adapter.
NTSTATUS CreateControlDevice(PDRIVER_OBJECT driver, HushAdapter* adapter, PDEVICE_OBJECT* out);

// Removes the symbolic link and deletes the device; its adapter reference is dropped now
// or, if a handle is still open, at that handle's IRP_MJ_CLOSE. PASSIVE_LEVEL.
void DeleteControlDevice(PDEVICE_OBJECT control);

// True when `device` is a Hush control device (and not a PortCls FDO). Any IRQL.
bool IsControlDevice(PDEVICE_OBJECT device);

// IRP_MJ_CREATE / CLEANUP / CLOSE / DEVICE_CONTROL for the control device; completes the
// IRP (or pends a wait). PASSIVE_LEVEL.
NTSTATUS DispatchControl(PDEVICE_OBJECT control, PIRP irp);

}  // namespace hush::km

#endif  // HUSH_DRIVER_SYS_BACKDOOR_H
