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
    walk(dir, true, &mut out);
    out
}

/// The files below `dir` as sorted paths relative to it (`.git` left out).
pub fn relative_files(dir: &Path) -> Vec<String> {
    relative(dir, files_below(dir))
}

/// Every file below `dir`, `.git` included, as sorted paths relative to it
/// (all that a command wrote there).
pub fn tree(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(dir, false, &mut files);
    relative(dir, files)
}

fn walk(dir: &Path, skip_git: bool, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if skip_git && p.file_name().unwrap() == ".git" {
            continue;
        }
        if p.is_dir() {
            walk(&p, skip_git, out);
        } else {
            out.push(p);
        }
    }
}

fn relative(dir: &Path, files: Vec<PathBuf>) -> Vec<String> {
    let mut out: Vec<String> = files
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
        assert_eq!(tree(&copy), [".git/HEAD", "a.txt", "d/e/b.txt"]);
        assert_eq!(
            std::fs::read_to_string(copy.join(".git/HEAD")).unwrap(),
            "ref"
        );
    }
}
