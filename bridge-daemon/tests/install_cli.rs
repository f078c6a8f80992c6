//! `bridge-daemon install`: each adapter lands where its host looks (here: a folder given with
//! --dest), through the adapters' own installers for Resolve and Premiere.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn install(args: &[&str], from: &Path, dest: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .arg("install")
        .args(args)
        .arg("--from")
        .arg(from)
        .arg("--dest")
        .arg(dest)
        .output()
        .unwrap()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

#[test]
fn ofx_copies_the_bundle_and_refuses_what_is_not_one() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("CutBridge.ofx.bundle");
    std::fs::create_dir_all(bundle.join("Contents/Linux-x86-64")).unwrap();
    std::fs::write(
        bundle.join("Contents/Linux-x86-64/CutBridge.ofx"),
        b"\x7fELF",
    )
    .unwrap();
    std::fs::write(bundle.join("Contents/Info.plist"), "<plist/>").unwrap();
    let dest = tmp.path().join("plugins");
    let dry = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["install", "ofx", "--dry-run", "--from"])
        .arg(&bundle)
        .arg("--dest")
        .arg(&dest)
        .output()
        .unwrap();
    assert!(dry.status.success());
    assert!(!dest.exists(), "a dry run changes nothing");
    let o = install(&["ofx"], &bundle, &dest);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        files_under(&dest),
        [
            "CutBridge.ofx.bundle/Contents/Info.plist",
            "CutBridge.ofx.bundle/Contents/Linux-x86-64/CutBridge.ofx"
        ]
    );
    let o = install(&["ofx"], tmp.path(), &dest);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a CutBridge.ofx.bundle"));
}

#[test]
fn resolve_scripts_land_in_the_fusion_scripts_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let o = install(&["resolve"], &checkout(), tmp.path());
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let files = files_under(tmp.path());
    assert!(
        files.iter().any(|f| f.ends_with("Edit/CutBridge.py")),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f.ends_with(".lua")), "{files:?}");
}

#[test]
fn premiere_cep_panel_and_uxp_package_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    let o = install(&["premiere"], &checkout(), tmp.path());
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let files = files_under(tmp.path());
    assert!(
        files.iter().any(|f| f.ends_with("CSXS/manifest.xml")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("host/cutbridge.jsx")),
        "{files:?}"
    );
    // And the UXP plug-in for Premiere 25.6 and later, packaged.
    assert!(
        files.iter().any(|f| f.ends_with("cutbridge-premiere.ccx")),
        "{files:?}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("CEP panel") && out.contains("UXP plug-in"),
        "{out}"
    );
}

#[test]
fn a_folder_that_is_not_a_checkout_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let o = install(&["resolve"], tmp.path(), tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a CutBridge checkout"));
}
