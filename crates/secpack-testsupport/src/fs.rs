//! Folders copied and listed.

use std::path::{Path, PathBuf};

/// Copies the folder `from` to `to` (made if missing), recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Every file below `dir` (a `.git` folder left out), in no set order.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap() == ".git" {
            continue;
        }
        if p.is_dir() {
            out.extend(files_below(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The files below `dir` as sorted paths relative to it (`.git` left out).
pub fn relative_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = files_below(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Makes `path` executable by all (a script standing in for a program).
#[cfg(unix)]
pub fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_lists_the_same_files_and_git_metadata_is_left_out() {
        let from = tempfile::tempdir().unwrap();
        for (rel, text) in [("a.txt", "a"), ("d/e/b.txt", "b"), (".git/HEAD", "ref")] {
            let p = from.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let to = tempfile::tempdir().unwrap();
        copy_dir(from.path(), &to.path().join("copy"));
        let copy = to.path().join("copy");
        assert_eq!(relative_files(&copy), ["a.txt", "d/e/b.txt"]);
        assert_eq!(
            std::fs::read_to_string(copy.join(".git/HEAD")).unwrap(),
            "ref"
        );
    }
}
