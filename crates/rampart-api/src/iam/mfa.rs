//! Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, ResyncMFADevice,
//! DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices and
//! GetMFADevice.
//!
//! An account's root owns a device the way the console attaches one on AWS: called by the
//! root, the user actions act on the root when `UserName` is absent or is the root's own
//! name as GetUser shows it (its `UserId`, the account id) and no IAM user has that name.

use base64::Engine;
use rampart_iam::{AssignmentStatus, MfaDevice, MfaOwner, Principal};

use super::paging::Page;
use super::{Ctx, Outcome, shapes};
use crate::query_api::{QueryApiError, XmlWriter};

/// The owner a user action is about, and the resource (the user's or the root's ARN) that
/// authorizes it.
fn owner(cx: &Ctx<'_>) -> Result<(MfaOwner, String), QueryApiError> {
    let is_root = matches!(cx.principal, Principal::AccountRoot { .. });
    let root_named = |name: &str| {
        is_root && name == cx.account.as_str() && cx.store().get_user(cx.account, name).is_err()
    };
    match cx.params.get("UserName") {
        Some(name) if root_named(name) => Ok((MfaOwner::Root, cx.principal.arn())),
        _ => match cx.named_or_calling_user()? {
            Some(name) => {
                let resource = cx.user_arn(&name);
                Ok((MfaOwner::User(name), resource))
            }
            None => Ok((MfaOwner::Root, cx.principal.arn())),
        },
    }
}

/// The name a device's owner is listed under: the user's, or for the root the account id.
fn owner_name<'a>(cx: &'a Ctx<'_>, owner: &'a MfaOwner) -> &'a str {
    match owner {
        MfaOwner::Root => cx.account.as_str(),
        MfaOwner::User(name) => name,
    }
}

pub async fn create_virtual_mfa_device(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("VirtualMFADeviceName")?;
    let path = cx.params.get("Path").unwrap_or("/");
    super::refuse_unsupported(cx.params, "Tags", "Tags on MFA devices")?;
    cx.authorize(&cx.arn("mfa", path, name))?;
    let (device, seed) = cx
        .store()
        .create_virtual_mfa_device(cx.account, path, name)
        .await?;
    let mut w = XmlWriter::new();
    w.element("VirtualMFADevice", |w| {
        w.text("SerialNumber", &device.serial);
        // A blob in IAM's model: the Base32 text, base64-encoded on the wire. No QR code.
        w.text(
            "Base32StringSeed",
            &base64::engine::general_purpose::STANDARD.encode(seed.as_bytes()),
        );
    });
    Ok(Some(w))
}

pub async fn enable_mfa_device(cx: &Ctx<'_>) -> Outcome {
    let serial = cx.params.required("SerialNumber")?;
    let code1 = cx.params.required("AuthenticationCode1")?;
    let code2 = cx.params.required("AuthenticationCode2")?;
    let (owner, resource) = owner(cx)?;
    cx.authorize(&resource)?;
    cx.store()
        .enable_mfa_device(cx.account, &owner, serial, code1, code2)
        .await?;
    Ok(None)
}

pub async fn resync_mfa_device(cx: &Ctx<'_>) -> Outcome {
    let serial = cx.params.required("SerialNumber")?;
    let code1 = cx.params.required("AuthenticationCode1")?;
    let code2 = cx.params.required("AuthenticationCode2")?;
    let (owner, resource) = owner(cx)?;
    cx.authorize(&resource)?;
    cx.store()
        .resync_mfa_device(cx.account, &owner, serial, code1, code2)
        .await?;
    Ok(None)
}

pub async fn deactivate_mfa_device(cx: &Ctx<'_>) -> Outcome {
    let serial = cx.params.required("SerialNumber")?;
    let (owner, resource) = owner(cx)?;
    cx.authorize(&resource)?;
    cx.store()
        .deactivate_mfa_device(cx.account, &owner, serial)
        .await?;
    Ok(None)
}

pub async fn delete_virtual_mfa_device(cx: &Ctx<'_>) -> Outcome {
    let serial = cx.params.required("SerialNumber")?;
    cx.authorize(serial)?;
    cx.store()
        .delete_virtual_mfa_device(cx.account, serial)
        .await?;
    Ok(None)
}

pub fn list_mfa_devices(cx: &Ctx<'_>) -> Outcome {
    let (owner, resource) = owner(cx)?;
    cx.authorize(&resource)?;
    let devices = cx.store().list_mfa_devices(cx.account, &owner)?;
    let page = Page::of(cx.params, devices, |d| d.serial.as_str())?;
    let mut w = XmlWriter::new();
    w.list("MFADevices", &page.items, |w, device| {
        if let Some((owner, enabled)) = &device.assigned {
            w.text("UserName", owner_name(cx, owner));
            w.text("SerialNumber", &device.serial);
            w.date("EnableDate", *enabled);
        }
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub fn list_virtual_mfa_devices(cx: &Ctx<'_>) -> Outcome {
    let status = match cx.params.get("AssignmentStatus").unwrap_or("Any") {
        "Any" => AssignmentStatus::Any,
        "Assigned" => AssignmentStatus::Assigned,
        "Unassigned" => AssignmentStatus::Unassigned,
        other => {
            return Err(QueryApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Unassigned, Any, Assigned]"
            )));
        }
    };
    cx.authorize(&cx.arn("mfa", "/", ""))?;
    let devices = cx.store().list_virtual_mfa_devices(cx.account, status)?;
    let page = Page::of(cx.params, devices, |d| d.serial.as_str())?;
    let mut w = XmlWriter::new();
    w.list("VirtualMFADevices", &page.items, |w, device| {
        virtual_device(cx, w, device)
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

/// `VirtualMFADevice` in a listing: the serial, and once assigned its user and enable date.
fn virtual_device(cx: &Ctx<'_>, w: &mut XmlWriter, device: &MfaDevice) {
    w.text("SerialNumber", &device.serial);
    if let Some((owner, enabled)) = &device.assigned {
        match owner {
            MfaOwner::Root => w.element("User", |w| {
                w.text("UserId", cx.account.as_str());
                w.text("Arn", &format!("arn:aws:iam::{}:root", cx.account));
            }),
            MfaOwner::User(name) => {
                if let Ok(user) = cx.store().get_user(cx.account, name) {
                    w.element("User", |w| shapes::user(w, &user, shapes::Detail::Listing));
                }
            }
        }
        w.date("EnableDate", *enabled);
    }
}

pub fn get_mfa_device(cx: &Ctx<'_>) -> Outcome {
    let serial = cx.params.required("SerialNumber")?;
    let (owner, resource) = owner(cx)?;
    cx.authorize(&resource)?;
    let device = cx.store().get_mfa_device(cx.account, serial)?;
    let Some((assigned_to, enabled)) = device.assigned.filter(|(o, _)| match (o, &owner) {
        (MfaOwner::Root, MfaOwner::Root) => true,
        (MfaOwner::User(a), MfaOwner::User(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }) else {
        return Err(QueryApiError::from(rampart_iam::IamError::NoSuchEntity(
            format!("MFA device with serial number {serial} not found."),
        )));
    };
    let mut w = XmlWriter::new();
    w.text("UserName", owner_name(cx, &assigned_to));
    w.text("SerialNumber", &device.serial);
    w.date("EnableDate", enabled);
    Ok(Some(w))
}
