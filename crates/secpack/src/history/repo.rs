//! The pack's git repository: HEAD, commits and their signatures, the
//! objects at a path, and what the work tree changed; and the one thing
//! secpack writes there, a signed tag (`secpack tag`).
//!
//! Read and written with gitoxide; neither git nor gpg is run. Only what the
//! state checks need is read, and every object is parsed by gitoxide's own
//! parsers.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;

use chrono::{DateTime, Utc};
use gix::hash::ObjectId;
use serde::Serialize;

/// Why the repository cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The pack root holds no git repository.
    #[error("{0} is not a git repository")]
    NotARepository(String),
    /// An object or reference cannot be read.
    #[error("the git repository cannot be read: {0}")]
    Unreadable(String),
}

impl RepoError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotARepository(_) => "not-a-repository",
            Self::Unreadable(_) => "repository-unreadable",
        }
    }
}

fn unreadable(e: impl std::fmt::Display) -> RepoError {
    RepoError::Unreadable(e.to_string())
}

/// One commit, as the state checks need it.
#[derive(Debug, Clone)]
pub struct Commit {
    /// Its id.
    pub id: ObjectId,
    /// Its parents, first parent first.
    pub parents: Vec<ObjectId>,
    /// Its root tree.
    pub tree: ObjectId,
    /// The committer's time.
    pub time: Option<DateTime<Utc>>,
    /// The OpenPGP signature it carries (`gpgsig`) and the bytes it covers.
    pub signature: Option<SignedCommit>,
}

/// A commit's own signature and the commit bytes it signs.
#[derive(Debug, Clone)]
pub struct SignedCommit {
    /// The armoured signature.
    pub signature: Vec<u8>,
    /// The commit object without its signature header.
    pub payload: Vec<u8>,
}

/// How a file of the work tree differs from HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// In the work tree, not in HEAD.
    Added,
    /// In both, with other content.
    Modified,
    /// In HEAD, not in the work tree.
    Deleted,
}

/// A file of the work tree that differs from HEAD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorktreeChange {
    /// Path relative to the pack root.
    pub path: String,
    /// How it differs.
    pub change: Change,
}

/// The paths of `changes` for a sentence: the first five, comma-separated,
/// then `...` when there are more.
pub fn some_paths(changes: &[WorktreeChange]) -> String {
    let mut listed: Vec<&str> = changes.iter().take(5).map(|c| c.path.as_str()).collect();
    if changes.len() > 5 {
        listed.push("...");
    }
    listed.join(", ")
}

/// The pack's git repository.
pub struct Repo {
    repo: gix::Repository,
}

impl Repo {
    /// Opens the repository whose work tree is the pack root.
    pub fn open(root: &Path) -> Result<Self, RepoError> {
        if !root.join(".git").exists() {
            return Err(RepoError::NotARepository(root.display().to_string()));
        }
        let repo = gix::open(root).map_err(unreadable)?;
        Ok(Self { repo })
    }

    /// The commit HEAD points to; `None` on a branch without commits.
    pub fn head(&self) -> Result<Option<ObjectId>, RepoError> {
        let mut head = self.repo.head().map_err(unreadable)?;
        match head.try_peel_to_id().map_err(unreadable)? {
            Some(id) => Ok(Some(id.detach())),
            None => Ok(None),
        }
    }

    /// Whether an object with this id exists.
    pub fn has_object(&self, id: &ObjectId) -> bool {
        self.repo.has_object(id)
    }

    /// Reads one commit.
    pub fn commit(&self, id: ObjectId) -> Result<Commit, RepoError> {
        let obj = self.repo.find_object(id).map_err(unreadable)?;
        if obj.kind != gix::object::Kind::Commit {
            return Err(RepoError::Unreadable(format!("{id} is not a commit")));
        }
        let kind = id.kind();
        let c = gix::objs::CommitRef::from_bytes(&obj.data, kind).map_err(unreadable)?;
        let time = c
            .time()
            .ok()
            .and_then(|t| DateTime::from_timestamp(t.seconds, 0));
        let signature = gix::objs::CommitRefIter::signature(&obj.data, kind)
            .map_err(unreadable)?
            .map(|(sig, signed)| SignedCommit {
                signature: sig.to_vec(),
                payload: signed.to_bstring().to_vec(),
            });
        Ok(Commit {
            id,
            parents: c.parents().collect(),
            tree: c.tree(),
            time,
            signature,
        })
    }

    /// Every commit reachable from `tip` (itself included), children before
    /// their parents: a topological order of the history.
    pub fn history(&self, tip: ObjectId) -> Result<Vec<Commit>, RepoError> {
        let mut commits: HashMap<ObjectId, Commit> = HashMap::new();
        let mut queue = VecDeque::from([tip]);
        while let Some(id) = queue.pop_front() {
            if commits.contains_key(&id) {
                continue;
            }
            let c = self.commit(id)?;
            queue.extend(c.parents.iter().copied());
            commits.insert(id, c);
        }
        // Kahn's algorithm on "child before parent": a commit is emitted once
        // every child reachable from the tip has been.
        let mut children: HashMap<ObjectId, usize> = HashMap::new();
        for c in commits.values() {
            for p in &c.parents {
                *children.entry(*p).or_default() += 1;
            }
        }
        let mut ready = vec![tip];
        let mut out = Vec::with_capacity(commits.len());
        while let Some(id) = ready.pop() {
            let c = commits.remove(&id).expect("every queued commit was read");
            for p in &c.parents {
                let n = children.get_mut(p).expect("counted above");
                *n -= 1;
                if *n == 0 {
                    ready.push(*p);
                }
            }
            out.push(c);
        }
        Ok(out)
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: ObjectId, descendant: ObjectId) -> Result<bool, RepoError> {
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([descendant]);
        while let Some(id) = queue.pop_front() {
            if id == ancestor {
                return Ok(true);
            }
            if seen.insert(id) {
                queue.extend(self.commit(id)?.parents);
            }
        }
        Ok(false)
    }

    /// The object at `path` (`keys`, `secpack.toml`, `a/b`) in `tree`, or
    /// `None` when there is nothing there.
    pub fn entry_at(&self, tree: ObjectId, path: &str) -> Result<Option<ObjectId>, RepoError> {
        let mut current = tree;
        let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
        while let Some(part) = parts.next() {
            let obj = self.repo.find_object(current).map_err(unreadable)?;
            if obj.kind != gix::object::Kind::Tree {
                return Ok(None);
            }
            let entries = gix::objs::TreeRef::from_bytes(&obj.data, current.kind())
                .map_err(unreadable)?
                .entries;
            let Some(e) = entries.iter().find(|e| e.filename == part) else {
                return Ok(None);
            };
            if parts.peek().is_some() && !e.mode.is_tree() {
                return Ok(None);
            }
            current = e.oid.to_owned();
        }
        Ok(Some(current))
    }

    /// Every file (blob or link) of `tree` with its id, by path.
    pub fn files(&self, tree: ObjectId) -> Result<BTreeMap<String, ObjectId>, RepoError> {
        let mut out = BTreeMap::new();
        let mut stack = vec![(String::new(), tree)];
        while let Some((prefix, id)) = stack.pop() {
            let obj = self.repo.find_object(id).map_err(unreadable)?;
            let tree = gix::objs::TreeRef::from_bytes(&obj.data, id.kind()).map_err(unreadable)?;
            for e in tree.entries {
                let path = format!("{prefix}{}", e.filename);
                if e.mode.is_tree() {
                    stack.push((format!("{path}/"), e.oid.to_owned()));
                } else if e.mode.is_blob_or_symlink() {
                    out.insert(path, e.oid.to_owned());
                }
            }
        }
        Ok(out)
    }

    /// The files of `pack` (as its scan found them) that differ from the
    /// tree of `head`, and those of `head` the pack no longer holds.
    pub fn pack_changes(
        &self,
        pack: &crate::pack::Pack,
        head: ObjectId,
    ) -> Result<Vec<WorktreeChange>, RepoError> {
        // The repository's own folder is listed by the scan, never tracked.
        let present: Vec<String> = pack
            .files
            .iter()
            .filter(|f| f.path != ".git" && !f.path.starts_with(".git/"))
            .map(|f| f.path.clone())
            .collect();
        self.worktree_changes(&pack.root, head, &present)
    }

    /// The files of the work tree (`present`: paths relative to `root`) that
    /// differ from the tree of `head`, compared by git blob id. Files git
    /// ignores are not in `present` only if the caller left them out.
    fn worktree_changes(
        &self,
        root: &Path,
        head: ObjectId,
        present: &[String],
    ) -> Result<Vec<WorktreeChange>, RepoError> {
        let tree = self.commit(head)?.tree;
        let committed = self.files(tree)?;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for path in present {
            seen.insert(path.as_str());
            let full = root.join(path);
            let data = match std::fs::symlink_metadata(&full) {
                Ok(m) if m.file_type().is_symlink() => {
                    std::fs::read_link(&full).map(|t| t.as_os_str().as_encoded_bytes().to_vec())
                }
                _ => std::fs::read(&full),
            };
            let change = match (committed.get(path), data) {
                (None, _) => Some(Change::Added),
                (Some(_), Err(_)) => Some(Change::Modified),
                (Some(id), Ok(data)) => {
                    let now = gix::objs::compute_hash(id.kind(), gix::object::Kind::Blob, &data)
                        .map_err(unreadable)?;
                    (now != *id).then_some(Change::Modified)
                }
            };
            if let Some(change) = change {
                out.push(WorktreeChange {
                    path: path.clone(),
                    change,
                });
            }
        }
        out.extend(
            committed
                .keys()
                .filter(|p| !seen.contains(p.as_str()))
                .map(|p| WorktreeChange {
                    path: p.clone(),
                    change: Change::Deleted,
                }),
        );
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

/// Writing the one kind of object secpack makes: a signed tag.
impl Repo {
    /// The abbreviation of `id` that `git rev-parse --short` prints: at
    /// least 7 hex digits, more in big or ambiguous repositories.
    pub fn short_id(&self, id: ObjectId) -> String {
        use gix::prelude::ObjectIdExt as _;
        id.attach(&self.repo).shorten_or_id().to_string()
    }

    /// What `refs/tags/NAME` points to, when it exists.
    pub fn tag_target(&self, name: &str) -> Result<Option<ObjectId>, RepoError> {
        let full = format!("refs/tags/{name}");
        let found = self
            .repo
            .try_find_reference(full.as_str())
            .map_err(unreadable)?;
        Ok(found.and_then(|r| r.target().try_id().map(ToOwned::to_owned)))
    }

    /// Stores `object`, the bytes of an annotated tag object (checked to
    /// parse as one, named `name`), and points `refs/tags/NAME` to it: a new
    /// reference, or, with `replace`, one that may exist. `who` is written
    /// to the reference log when the repository keeps one for tags.
    pub fn write_tag(
        &self,
        name: &str,
        object: &[u8],
        replace: bool,
        who: gix::actor::SignatureRef<'_>,
    ) -> Result<ObjectId, RepoError> {
        use gix::objs::Write as _;
        use gix::refs::transaction::{PreviousValue, RefEdit};
        let kind = self.repo.object_hash();
        let parsed = gix::objs::TagRef::from_bytes(object, kind).map_err(unreadable)?;
        if parsed.name != name {
            return Err(RepoError::Unreadable(format!(
                "the tag object names {:?}, not {name:?}",
                parsed.name
            )));
        }
        let id = self
            .repo
            .objects
            .write_buf(gix::object::Kind::Tag, object)
            .map_err(unreadable)?;
        let full = format!("refs/tags/{name}").try_into().map_err(unreadable)?;
        let expected = if replace {
            PreviousValue::Any
        } else {
            PreviousValue::MustNotExist
        };
        let edit = RefEdit::update(full, id, expected, format!("secpack tag: {name}"));
        self.repo
            .edit_references_as([edit], Some(who))
            .map_err(unreadable)?;
        Ok(id)
    }
}

impl crate::error::Coded for RepoError {
    fn code(&self) -> &'static str {
        RepoError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        match self {
            Self::Unreadable(..) => ErrorClass::Io,
            _ => ErrorClass::Config,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn some_paths_names_five_then_says_there_are_more() {
        let changes = |n: usize| -> Vec<WorktreeChange> {
            (0..n)
                .map(|i| WorktreeChange {
                    path: format!("f{i}"),
                    change: Change::Modified,
                })
                .collect()
        };
        assert_eq!(some_paths(&changes(0)), "");
        assert_eq!(some_paths(&changes(2)), "f0, f1");
        assert_eq!(some_paths(&changes(5)), "f0, f1, f2, f3, f4");
        assert_eq!(some_paths(&changes(7)), "f0, f1, f2, f3, f4, ...");
    }
}
