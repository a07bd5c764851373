//! A folder picker drawn by the app itself: the sub-folders of one folder, Up, a new folder, and
//! "Use this folder". egui has no native dialog, and a dialog crate (rfd) needs a desktop portal
//! or GTK and would bring an async runtime into this crate; this one works the same under any
//! desktop, Xvfb and the tests. It only lists folders (`std::fs::read_dir`) and creates one when
//! asked.

use std::path::{Path, PathBuf};

/// Opens the picker (tests find it by this label).
pub const CHOOSE: &str = "Choose…";
/// Picks the folder shown.
pub const USE_THIS: &str = "Use this folder";
/// Goes to the parent folder.
pub const UP: &str = "⬆ Up";
/// The new sub-folder's name field.
pub const NEW_FOLDER: &str = "New folder";
/// Creates the typed sub-folder and goes into it.
pub const CREATE: &str = "Create folder";

#[derive(Debug, Default)]
pub struct FolderPicker {
    /// The folder shown while the picker is open.
    current: Option<PathBuf>,
    subfolders: Vec<String>,
    new_name: String,
    error: Option<String>,
}

impl FolderPicker {
    pub fn is_open(&self) -> bool {
        self.current.is_some()
    }

    /// Opens at `start`, or at its nearest existing ancestor (the typed folder may not exist yet).
    pub fn open_at(&mut self, start: &Path) {
        let existing = start
            .ancestors()
            .find(|p| p.is_dir())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        self.go(existing);
    }

    fn go(&mut self, folder: PathBuf) {
        match list_subfolders(&folder) {
            Ok(names) => {
                self.subfolders = names;
                self.error = None;
            }
            Err(e) => {
                self.subfolders.clear();
                self.error = Some(format!("{}: {e}", folder.display()));
            }
        }
        self.current = Some(folder);
    }

    /// Draws the picker's window while it is open; the folder chosen, once.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        id: impl std::hash::Hash + std::fmt::Debug,
    ) -> Option<PathBuf> {
        let current = self.current.clone()?;
        let mut chosen = None;
        let mut go_to = None;
        let mut keep_open = true;
        egui::Window::new("Choose a folder")
            .id(egui::Id::unique(("folder-picker", id)))
            .collapsible(false)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 60.0])
            .open(&mut keep_open)
            .default_width(520.0)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(current.parent().is_some(), egui::Button::new(UP))
                        .clicked()
                    {
                        go_to = current.parent().map(Path::to_path_buf);
                    }
                    ui.monospace(current.display().to_string());
                });
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                egui::ScrollArea::vertical()
                    .max_height(260.0)
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        if self.subfolders.is_empty() && self.error.is_none() {
                            ui.weak("no sub-folders");
                        }
                        for name in &self.subfolders {
                            if ui.selectable_label(false, format!("📁 {name}")).clicked() {
                                go_to = Some(current.join(name));
                            }
                        }
                    });
                ui.separator();
                ui.horizontal(|ui| {
                    let label = ui.label(NEW_FOLDER);
                    ui.add(
                        egui::TextEdit::singleline(&mut self.new_name)
                            .hint_text("a name")
                            .desired_width(200.0),
                    )
                    .labelled_by(label.id);
                    let name = self.new_name.trim().to_string();
                    let valid = !name.is_empty() && !name.contains('/') && name != "..";
                    if ui.add_enabled(valid, egui::Button::new(CREATE)).clicked() {
                        let folder = current.join(&name);
                        match std::fs::create_dir_all(&folder) {
                            Ok(()) => {
                                self.new_name.clear();
                                go_to = Some(folder);
                            }
                            Err(e) => self.error = Some(format!("{}: {e}", folder.display())),
                        }
                    }
                });
                ui.add_space(4.0);
                if ui.button(USE_THIS).clicked() {
                    chosen = Some(current.clone());
                }
            });
        if let Some(folder) = go_to {
            self.go(folder);
        }
        if chosen.is_some() || !keep_open {
            self.current = None;
        }
        chosen
    }
}

/// The names of the sub-folders of `folder` (hidden ones last), sorted.
fn list_subfolders(folder: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort_by_key(|n| (n.starts_with('.'), n.to_lowercase()));
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_at_the_nearest_existing_folder_and_lists_subfolders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("b")).unwrap();
        std::fs::create_dir(dir.path().join("A")).unwrap();
        std::fs::create_dir(dir.path().join(".hidden")).unwrap();
        std::fs::write(dir.path().join("file.txt"), "x").unwrap();
        let mut picker = FolderPicker::default();
        picker.open_at(&dir.path().join("not/yet/there"));
        assert!(picker.is_open());
        assert_eq!(picker.current.as_deref(), Some(dir.path()));
        assert_eq!(picker.subfolders, ["A", "b", ".hidden"]);
    }
}
