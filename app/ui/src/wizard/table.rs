//! Step 4, Table: pick an existing database/table, or create one from the Stream step's
//! samples (an editable column grid with the DDL preview updating on every edit, then Create);
//! the mapping preview for whichever table is chosen, with the proposed conversion fixes one
//! click away; fields the table lacks (schema drift) with their ALTER TABLE, applied after a
//! confirmation. Writes the draft's database, table and properties (format, jsonpaths,
//! columns).
//!
//! Labels the tests drive: "Create from samples", "Use an existing table", "Database", "Table",
//! "Duplicate key", "Primary key", "Sort key (optional)",
//! the grid's "Column N name/type/nullable/key", "Add column", "Infer from samples",
//! "Create table", "Refresh preview", "Apply fix for <column>", "Apply ALTER TABLE for <field>",
//! "Run it", "Cancel".

#[path = "table_grid.rs"]
pub mod table_grid;
#[path = "table_ops.rs"]
pub mod table_ops;
#[path = "table_zones.rs"]
pub mod table_zones;

use super::call::Call;
use super::protocol::{DriftAnswer, PreviewAnswer, WizardReply, WizardRequest};
use super::{Draft, Gate};
use crate::protocol::{BackendLink, Ticket};
use ks_core::schema::{self, ColumnSpec, TableModel, TableSpec};

/// `(database, its tables)` as the cluster lists them.
type TableList = Vec<(String, Vec<String>)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableMode {
    CreateFromSamples,
    Existing,
}

/// The table the step settled on and its columns as the cluster has them.
#[derive(Debug, Clone, PartialEq)]
struct Chosen {
    database: String,
    table: String,
    columns: Vec<ColumnSpec>,
}

#[derive(Default)]
pub struct TableStep {
    mode: Option<TableMode>,
    tables: Call<TableList>,
    describe_ticket: Option<Ticket>,
    describe_error: Option<String>,
    chosen: Option<Chosen>,
    /// The Create grid.
    grid: Vec<ColumnSpec>,
    /// Fingerprint of the samples the grid was inferred from (None: not inferred yet).
    grid_samples: Option<u64>,
    /// The user edited the grid: new samples do not overwrite it ("Infer from samples" does).
    grid_edited: bool,
    /// Updates and deletes (PRIMARY KEY tables).
    ops: table_ops::OpsForm,
    /// The table model of the table to create, and its sort key (PRIMARY KEY, comma-separated).
    model: TableModel,
    sort_key: String,
    created: Call<Vec<String>>,
    preview: Call<PreviewAnswer>,
    /// What the shown (or pending) preview was computed for.
    preview_key: Option<u64>,
    /// Drift statements waiting for the user's confirmation, then running.
    confirm: Option<DriftAnswer>,
    applying: Option<DriftAnswer>,
    /// The applied statements, joined.
    sql: Call<String>,
    need_describe: bool,
}

/// Which samples the draft holds (their positions and bytes).
fn samples_key(draft: &Draft) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = twox_hash::XxHash64::with_seed(0);
    for r in &draft.samples {
        (&r.shard, &r.sequence, r.sub, &r.data).hash(&mut h);
    }
    h.finish()
}

fn sample_values(draft: &Draft) -> Vec<serde_json::Value> {
    draft.samples.iter().filter_map(|r| r.json()).collect()
}

/// The draft's properties for a table with `columns`: JSON with jsonpaths in column order; a
/// `columns` mapping from an earlier table no longer applies.
pub fn properties_for(draft: &mut Draft, columns: &[ColumnSpec]) {
    draft.properties.insert("format".into(), "json".into());
    draft
        .properties
        .insert("jsonpaths".into(), schema::jsonpaths(columns));
    draft.properties.remove("columns");
}

impl TableStep {
    pub fn ui(&mut self, ui: &mut egui::Ui, draft: &mut Draft, backend: &BackendLink) {
        let mode = *self.mode.get_or_insert(
            if draft.samples.is_empty() && !draft.table.trim().is_empty() {
                TableMode::Existing
            } else {
                TableMode::CreateFromSamples
            },
        );
        if self.need_describe && self.describe_ticket.is_none() {
            self.need_describe = false;
            self.describe(draft, backend);
        }
        let mut new_mode = mode;
        ui.horizontal(|ui| {
            ui.radio_value(
                &mut new_mode,
                TableMode::CreateFromSamples,
                "Create from samples",
            );
            ui.radio_value(&mut new_mode, TableMode::Existing, "Use an existing table");
        });
        if new_mode != mode {
            self.mode = Some(new_mode);
        }
        ui.add_space(6.0);
        match new_mode {
            TableMode::Existing => self.existing_ui(ui, draft, backend),
            TableMode::CreateFromSamples => self.create_ui(ui, draft, backend),
        }

        // Whichever way the table was chosen: drift, then the mapping preview.
        let chosen = self.chosen_for(draft).cloned();
        if let Some(chosen) = chosen {
            ui.add_space(8.0);
            ui.separator();
            self.drift_ui(ui, draft, backend);
            self.preview_ui(ui, draft, backend, &chosen);
        }
    }

    /// The chosen table, if it is still the one the draft names.
    fn chosen_for(&self, draft: &Draft) -> Option<&Chosen> {
        self.chosen
            .as_ref()
            .filter(|c| c.database == draft.database.trim() && c.table == draft.table.trim())
    }

    fn existing_ui(&mut self, ui: &mut egui::Ui, draft: &mut Draft, backend: &BackendLink) {
        if self.tables.untouched() {
            self.tables.sent(backend.wizard(WizardRequest::ListTables {
                config: Box::new(draft.build_config()),
                password: draft.password_opt(),
            }));
        }
        ui.horizontal(|ui| {
            if ui.button("Refresh tables").clicked() && !self.tables.pending() {
                self.tables.sent(backend.wizard(WizardRequest::ListTables {
                    config: Box::new(draft.build_config()),
                    password: draft.password_opt(),
                }));
            }
            if self.tables.pending() {
                ui.spinner();
            }
        });
        let mut describe = false;
        match self.tables.answer() {
            None => {
                ui.label(egui::RichText::new("Asking the cluster for its tables…").weak());
            }
            Some(Err(e)) => {
                super::fields::copyable(ui, &format!("Cannot list tables: {e}"), "Copy")
            }
            Some(Ok(dbs)) => {
                let before = (draft.database.clone(), draft.table.clone());
                egui::ComboBox::from_label("Database")
                    .selected_text(draft.database.as_str())
                    .show_ui(ui, |ui| {
                        for (db, _) in dbs {
                            ui.selectable_value(&mut draft.database, db.clone(), db);
                        }
                    });
                let tables: Vec<String> = dbs
                    .iter()
                    .find(|(db, _)| *db == draft.database)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                if before.0 != draft.database && !tables.contains(&draft.table) {
                    draft.table.clear();
                }
                egui::ComboBox::from_label("Table")
                    .selected_text(draft.table.as_str())
                    .show_ui(ui, |ui| {
                        for t in &tables {
                            ui.selectable_value(&mut draft.table, t.clone(), t);
                        }
                    });
                if tables.is_empty() && !draft.database.is_empty() {
                    ui.label(egui::RichText::new("This database has no tables.").weak());
                }
                describe = before != (draft.database.clone(), draft.table.clone())
                    || (self.chosen_for(draft).is_none()
                        && self.describe_ticket.is_none()
                        && self.describe_error.is_none());
            }
        }
        if describe && !draft.database.trim().is_empty() && !draft.table.trim().is_empty() {
            self.describe(draft, backend);
        }
        if let Some(e) = &self.describe_error {
            super::fields::copyable(ui, e, "Copy");
        }
        if let Some(c) = self.chosen_for(draft) {
            ui.label(format!(
                "{}.{} has {} columns:",
                c.database,
                c.table,
                c.columns.len()
            ));
            egui::Grid::new("described_columns")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    for h in ["Column", "Type", "Nullable", "Key"] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for col in &c.columns {
                        ui.label(&col.name);
                        ui.label(&col.sql_type);
                        ui.label(if col.nullable { "yes" } else { "no" });
                        ui.label(if col.key { "key" } else { "" });
                        ui.end_row();
                    }
                });
        }
    }

    fn describe(&mut self, draft: &Draft, backend: &BackendLink) {
        self.describe_error = None;
        self.describe_ticket = Some(backend.wizard(WizardRequest::DescribeTable {
            config: Box::new(draft.build_config()),
            password: draft.password_opt(),
            database: draft.database.trim().to_string(),
            table: draft.table.trim().to_string(),
        }));
    }

    fn create_ui(&mut self, ui: &mut egui::Ui, draft: &mut Draft, backend: &BackendLink) {
        // The grid starts from the samples (again when new samples arrive and it was not edited).
        let key = samples_key(draft);
        if !draft.samples.is_empty() && self.grid_samples != Some(key) {
            if self.grid.is_empty() || !self.grid_edited {
                self.grid = schema::infer(&sample_values(draft));
            }
            self.grid_samples = Some(key);
        }
        if draft.samples.is_empty() {
            ui.label(
                egui::RichText::new(
                    "No samples yet: go Back to the Stream step and press Sample, or add columns by hand.",
                )
                .weak(),
            );
        }
        egui::Grid::new("create_names")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label("Database");
                ui.add(egui::TextEdit::singleline(&mut draft.database).desired_width(240.0))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Table");
                ui.add(egui::TextEdit::singleline(&mut draft.table).desired_width(240.0))
                    .labelled_by(l.id);
                ui.end_row();
            });
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.model, TableModel::Duplicate, "Duplicate key");
            ui.radio_value(&mut self.model, TableModel::Primary, "Primary key");
        });
        ui.add(egui::Label::new(egui::RichText::new(self.model.explain()).weak()).wrap());
        if self.model == TableModel::Primary {
            ui.horizontal(|ui| {
                let l = ui.label("Sort key (optional)");
                ui.add(egui::TextEdit::singleline(&mut self.sort_key).desired_width(240.0))
                    .labelled_by(l.id);
                ui.label(
                    egui::RichText::new("columns to ORDER BY, comma-separated; empty: the key")
                        .weak(),
                );
            });
        }
        ui.add_space(4.0);
        self.grid_edited |= table_grid::column_grid(ui, &mut self.grid);
        if !draft.samples.is_empty() && ui.button("Infer from samples").clicked() {
            self.grid = schema::infer(&sample_values(draft));
            self.grid_edited = false;
        }

        let spec = TableSpec {
            database: draft.database.trim().to_string(),
            table: draft.table.trim().to_string(),
            columns: self.grid.clone(),
            buckets: None,
            replication_num: None,
            model: self.model,
            sort_key: match self.model {
                TableModel::Primary => self
                    .sort_key
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(String::from)
                    .collect(),
                TableModel::Duplicate => Vec::new(),
            },
        };
        let errors = spec.validate().err().unwrap_or_default();
        for e in &errors {
            super::fields::error_line(ui, Some(&e.to_string()));
        }
        ui.add_space(4.0);
        ui.label("DDL (runs on Create):");
        let mut ddl = format!("{};\n{};", spec.create_database_ddl(), spec.ddl());
        ui.add(
            egui::TextEdit::multiline(&mut ddl)
                .code_editor()
                .desired_rows(6)
                .desired_width(f32::INFINITY),
        )
        .accessible_name("DDL preview");
        ui.horizontal(|ui| {
            let can = errors.is_empty() && !self.created.pending();
            if ui
                .add_enabled(can, egui::Button::new("Create table"))
                .clicked()
            {
                self.created.clear();
                self.created
                    .sent(backend.wizard(WizardRequest::CreateTable {
                        config: Box::new(draft.build_config()),
                        password: draft.password_opt(),
                        spec: spec.clone(),
                    }));
            }
            if self.created.pending() {
                ui.spinner();
            }
        });
        match self.created.answer() {
            Some(Ok(ran)) => {
                ui.label(
                    egui::RichText::new("✔ Created. Statements run:")
                        .color(super::checks::pass_color(ui)),
                );
                super::fields::copyable(ui, &ran.join(";\n"), "Copy statements");
            }
            Some(Err(e)) => super::fields::copyable(ui, &format!("Create failed: {e}"), "Copy"),
            None => {}
        }
    }

    /// Fields the samples carry that the table lacks (from the last preview), their ALTER
    /// TABLE, and the confirmation before it runs.
    fn drift_ui(&mut self, ui: &mut egui::Ui, draft: &mut Draft, backend: &BackendLink) {
        let drift = match self.preview.answer() {
            Some(Ok(PreviewAnswer { drift: Some(d), .. })) if !self.preview.pending() => d.clone(),
            _ => return self.sql_result_ui(ui),
        };
        ui.strong("Schema drift: fields the table has no column for");
        for c in &drift.columns {
            ui.label(format!(
                "The samples have {:?}; the table does not load it (new column {} {}).",
                c.field(),
                c.name,
                c.sql_type
            ));
        }
        let sql = drift.statements.join(";\n");
        super::fields::copyable(ui, &sql, "Copy ALTER TABLE");
        if ui
            .add_enabled(
                !self.sql.pending() && self.confirm.is_none(),
                egui::Button::new("Apply ALTER TABLE"),
            )
            .clicked()
        {
            self.confirm = Some(drift.clone());
        }
        if let Some(d) = self.confirm.clone() {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label("Run on the cluster?");
                super::fields::copyable(ui, &d.statements.join(";\n"), "Copy statements");
                for (k, v) in &d.properties {
                    ui.add(egui::Label::new(format!("and set properties.{k} = {v}")).wrap());
                }
                ui.horizontal(|ui| {
                    if ui.button("Run it").clicked() {
                        self.sql.clear();
                        self.sql.sent(backend.wizard(WizardRequest::ApplySql {
                            config: Box::new(draft.build_config()),
                            password: draft.password_opt(),
                            statements: d.statements.clone(),
                        }));
                        self.applying = Some(d.clone());
                        self.confirm = None;
                    }
                    if ui.button("Cancel").clicked() {
                        self.confirm = None;
                    }
                });
            });
        }
        self.sql_result_ui(ui);
    }

    fn sql_result_ui(&self, ui: &mut egui::Ui) {
        match self.sql.answer() {
            Some(Ok(sql)) => {
                ui.label(
                    egui::RichText::new(format!("✔ Ran: {sql}"))
                        .color(super::checks::pass_color(ui)),
                );
            }
            Some(Err(e)) => super::fields::copyable(ui, e, "Copy"),
            None => {}
        }
    }

    fn preview_key(draft: &Draft, c: &Chosen) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = twox_hash::XxHash64::with_seed(0);
        serde_json::to_string(&c.columns)
            .unwrap_or_default()
            .hash(&mut h);
        draft.properties.hash(&mut h);
        draft.naive_zone.hash(&mut h);
        samples_key(draft).hash(&mut h);
        h.finish()
    }

    fn request_preview(&mut self, draft: &Draft, backend: &BackendLink, c: &Chosen) {
        self.preview_key = Some(Self::preview_key(draft, c));
        self.preview.sent(backend.wizard(WizardRequest::Preview {
            config: Box::new(draft.build_config()),
            samples: draft.samples.clone(),
            columns: c.columns.clone(),
            naive_zone: Some(draft.naive_zone.trim().to_string()).filter(|z| !z.is_empty()),
        }));
    }

    fn preview_ui(
        &mut self,
        ui: &mut egui::Ui,
        draft: &mut Draft,
        backend: &BackendLink,
        c: &Chosen,
    ) {
        ui.add_space(8.0);
        ui.strong(format!(
            "Mapping preview: how the samples land in {}.{}",
            c.database, c.table
        ));
        if draft.samples.is_empty() {
            ui.label(
                egui::RichText::new("No samples to preview: press Sample in the Stream step.")
                    .weak(),
            );
            return;
        }
        // Recomputed whenever the table, the properties or the samples change.
        if !self.preview.pending() && self.preview_key != Some(Self::preview_key(draft, c)) {
            self.request_preview(draft, backend, c);
        }
        ui.horizontal(|ui| {
            if ui.button("Refresh preview").clicked() && !self.preview.pending() {
                self.request_preview(draft, backend, c);
            }
            if self.preview.pending() {
                ui.spinner();
            }
        });
        table_zones::zones_ui(ui, draft, &c.columns);
        self.ops.ui(ui, draft, &c.columns);
        for key in ["columns", "where", "partial_update"] {
            if let Some(value) = draft.properties.get(key) {
                ui.add(egui::Label::new(format!("{key} = {value}")).wrap());
            }
        }
        match self.preview.answer().cloned() {
            None => {}
            Some(Err(e)) => super::fields::copyable(ui, &format!("No preview: {e}"), "Copy"),
            Some(Ok(answer)) => {
                let empty = table_grid::empty_columns(&answer.preview);
                let p = &answer.preview;
                if !p.rows.is_empty() && p.loaded() == 0 {
                    ui.add(
                        egui::Label::new(
                            egui::RichText::new(format!(
                                "None of the {} sampled records would load: each row below says why",
                                p.rows.len()
                            ))
                            .color(super::checks::warn_color(ui)),
                        )
                        .wrap(),
                    );
                }
                if !empty.is_empty() {
                    ui.add(
                        egui::Label::new(
                            egui::RichText::new(format!(
                                "No sample has a value for: {} (every row would load NULL there or be filtered)",
                                empty.join(", ")
                            ))
                            .color(super::checks::warn_color(ui)),
                        )
                        .wrap(),
                    );
                }
                for fix in &answer.fixes {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.add(egui::Label::new(format!("{}: {}", fix.column, fix.problem)).wrap());
                        ui.add(
                            egui::Label::new(egui::RichText::new(&fix.explanation).weak()).wrap(),
                        );
                        super::fields::copyable(ui, &fix.columns_expression, "Copy");
                        if ui.button(format!("Apply fix for {}", fix.column)).clicked() {
                            for (k, v) in &fix.properties {
                                draft.properties.insert(k.clone(), v.clone());
                            }
                        }
                    });
                }
                table_grid::preview_grid(ui, &answer);
            }
        }
    }

    /// True when the reply answered one of this step's requests.
    pub fn on_reply(&mut self, ticket: Ticket, reply: &WizardReply, draft: &mut Draft) -> bool {
        match reply {
            WizardReply::Tables(result) if self.tables.settle(ticket, result) => {}
            WizardReply::TableDescribed {
                database,
                table,
                result,
            } if self.describe_ticket == Some(ticket) => {
                self.describe_ticket = None;
                match result {
                    Ok(columns) => {
                        let changed = self
                            .chosen
                            .as_ref()
                            .is_none_or(|c| c.database != *database || c.table != *table);
                        if changed || !draft.properties.contains_key("jsonpaths") {
                            properties_for(draft, columns);
                        }
                        self.chosen = Some(Chosen {
                            database: database.clone(),
                            table: table.clone(),
                            columns: columns.clone(),
                        });
                    }
                    Err(e) => self.describe_error = Some(e.clone()),
                }
            }
            WizardReply::TableCreated(result) if self.created.settle(ticket, result) => {
                if result.is_ok() {
                    let database = draft.database.trim().to_string();
                    let table = draft.table.trim().to_string();
                    // jsonpaths from the grid (it knows which field feeds a renamed column).
                    properties_for(draft, &self.grid);
                    self.chosen = Some(Chosen {
                        database,
                        table,
                        columns: self.grid.clone(),
                    });
                    // CREATE TABLE IF NOT EXISTS leaves an existing table as it was: the
                    // preview must use the columns the cluster really has.
                    self.need_describe = true;
                }
            }
            WizardReply::Preview(result) if self.preview.settle(ticket, result) => {}
            WizardReply::SqlApplied { statements, result }
                if self
                    .sql
                    .settle_with(ticket, || result.clone().map(|()| statements.join("; "))) =>
            {
                let applied = self.applying.take();
                if result.is_ok() {
                    // The new columns join the mapping.
                    for (k, v) in applied.map(|d| d.properties).unwrap_or_default() {
                        draft.properties.insert(k, v);
                    }
                    // Read the table again (next frame): the new column joins the mapping.
                    self.need_describe = true;
                }
            }
            _ => return false,
        }
        true
    }

    /// Next's state: a table exists and the preview loads a value into every column; warnings
    /// (no samples, a column no sample fills, no preview) allow "Continue anyway".
    pub fn gate(&self, draft: &Draft) -> Gate {
        if self.chosen_for(draft).is_none() {
            return Gate::Blocked("create the table or choose an existing one".into());
        }
        if draft.samples.is_empty() {
            return Gate::Warnings;
        }
        match self.preview.answer() {
            _ if self.preview.pending() => Gate::Blocked("waiting for the mapping preview".into()),
            None => Gate::Blocked("waiting for the mapping preview".into()),
            Some(Err(_)) => Gate::Warnings,
            Some(Ok(a)) if !table_grid::empty_columns(&a.preview).is_empty() => Gate::Warnings,
            Some(Ok(_)) => Gate::Ready,
        }
    }

    /// Next is enabled (no warnings to confirm).
    pub fn complete(&self, draft: &Draft) -> bool {
        self.gate(draft) == Gate::Ready
    }
}
