//! The Stream Load transaction API (protocol reference §3): begin → load → prepare, then commit.
//!
//! Why: with several batches in flight, plain Stream Loads commit in the order they finish, so a
//! later batch could commit before an earlier one — wrong for PRIMARY KEY, UNIQUE and REPLACE
//! columns, where the last write wins. Here each batch is loaded and *prepared* on its own, and
//! the engine commits them one by one in batch order.
//!
//! Routing: `begin` goes to the load-url and follows the FE's 307s; the node that finally answers
//! is the label's coordinator, and the body of `load` goes straight there (the FE would redirect
//! it to the same node, and a body sent to the FE first would cross the network twice). `prepare`,
//! `commit` and `rollback` carry no body and go through the FE, as StarRocks requires.

use super::client::{AnswerOf, read_answer};
use super::redirects::authority;
use super::verdict::outcome_of;
use super::{LoadBody, LoadOutcome, LoadStatus, StreamLoadClient};
use crate::error::LoadError;
use crate::response::Answer;
use ks_core::Label;
use reqwest::Url;
use std::time::Instant;

/// What [`StreamLoadClient::prepare_in_transaction`] achieved.
#[derive(Debug, Clone, PartialEq)]
pub enum Prepared {
    /// Loaded and prepared: commit it when its turn comes.
    Ready(LoadOutcome),
    /// An earlier run already committed this label (a replay): nothing to commit.
    AlreadyLoaded(LoadOutcome),
}

/// One transaction request's answer.
struct Reply {
    answer: Answer,
    body: Vec<u8>,
    node: String,
    /// The URL that answered (after redirects).
    url: Url,
}

/// What `begin` found.
enum Begun {
    /// A new transaction; `load` goes to this node.
    New(Url),
    /// The label is committed already.
    Finished(LoadOutcome),
    /// A transaction under this label is still open (an earlier attempt or run).
    Open,
}

impl StreamLoadClient {
    /// Begins a transaction under `label`, loads `body` into it and prepares it. A transaction
    /// left open under the label (an interrupted attempt, a run killed before its commit) is
    /// rolled back first: its rows were never visible, and this batch is the same rows.
    pub async fn prepare_in_transaction(
        &self,
        label: &Label,
        body: impl Into<LoadBody>,
    ) -> Result<Prepared, LoadError> {
        let body = body.into();
        let started = Instant::now();
        let mut begun = self.begin(label).await?;
        if matches!(begun, Begun::Open) {
            tracing::info!(label = %label, "a transaction is still open under this label; rolling it back to load the batch again");
            self.rollback_transaction(label).await?;
            begun = self.begin(label).await?;
        }
        let coordinator = match begun {
            Begun::New(url) => url,
            Begun::Finished(outcome) => return Ok(Prepared::AlreadyLoaded(outcome)),
            Begun::Open => {
                return Err(LoadError::LabelRunning {
                    label: label.to_string(),
                    node: String::new(),
                });
            }
        };
        let loaded = self.send(&coordinator, label, Some(body)).await?;
        self.settle(loaded, label).await?;
        let prepared = self
            .send(&self.op_url(label, "prepare").await?, label, None)
            .await?;
        let mut outcome = self.settle(prepared, label).await?;
        outcome.elapsed = started.elapsed();
        tracing::debug!(label = %label, rows = outcome.stats.loaded_rows, ms = outcome.elapsed.as_millis() as u64, "transaction prepared");
        Ok(Prepared::Ready(outcome))
    }

    /// Commits the prepared transaction `label` (the batch `body`). A repeated commit of a
    /// committed label is a success ("Transaction already commited"). A transaction that no
    /// longer exists (it timed out while earlier batches stalled, or was rolled back) is checked
    /// with `get_load_state`: committed means loaded; otherwise the batch is loaded and prepared
    /// again under its label and committed — the caller holds the batch's turn, so the order of
    /// commits is kept.
    pub async fn commit_in_transaction(
        &self,
        label: &Label,
        body: impl Into<LoadBody>,
    ) -> Result<LoadOutcome, LoadError> {
        let body = body.into();
        let started = Instant::now();
        let mut outcome = match self.commit_once(label).await? {
            Ok(outcome) => outcome,
            Err(gone) => {
                tracing::info!(label = %label, "{gone}");
                match self.prepare_in_transaction(label, body).await? {
                    Prepared::AlreadyLoaded(outcome) => outcome,
                    Prepared::Ready(_) => match self.commit_once(label).await? {
                        Ok(outcome) => outcome,
                        // Gone again right after its own prepare: not a timeout. The commit does
                        // not reach the node that holds the transaction (a BE or a proxy as the
                        // load-url; StarRocks wants the transaction API through the FE).
                        Err(again) => {
                            return Err(LoadError::Protocol {
                                label: label.to_string(),
                                node: String::new(),
                                message: format!(
                                    "the transaction API does not work through this load-url: a \
                                     transaction prepared a moment ago is unknown to its commit \
                                     ({again}); point load-url at an FE (it redirects to the BEs), \
                                     or set sink.max-inflight-loads = 1 to load with plain Stream \
                                     Load, one batch at a time"
                                ),
                            });
                        }
                    },
                }
            }
        };
        outcome.elapsed = started.elapsed();
        Ok(outcome)
    }

    /// One commit: `Ok(Err(gone))` when the transaction does not exist and the label is not
    /// committed.
    async fn commit_once(
        &self,
        label: &Label,
    ) -> Result<Result<LoadOutcome, LoadError>, LoadError> {
        let reply = self
            .send(&self.op_url(label, "commit").await?, label, None)
            .await?;
        if reply.answer.status_norm() == "TXN_NOT_EXISTS" {
            return match self.get_load_state(label).await?.as_str() {
                "VISIBLE" | "COMMITTED" => Ok(Ok(outcome_of(
                    &reply.answer,
                    label.as_str(),
                    &reply.node,
                    LoadStatus::AlreadyLoaded,
                ))),
                state => Ok(Err(gone(label, &reply, state))),
            };
        }
        self.settle(reply, label).await.map(Ok)
    }

    /// Rolls back the transaction `label`; one that does not exist (never begun, already
    /// aborted) is fine.
    pub async fn rollback_transaction(&self, label: &Label) -> Result<(), LoadError> {
        let reply = self
            .send(&self.op_url(label, "rollback").await?, label, None)
            .await?;
        if reply.answer.status_norm() == "TXN_NOT_EXISTS" {
            return Ok(());
        }
        self.settle(reply, label).await.map(|_| ())
    }

    async fn begin(&self, label: &Label) -> Result<Begun, LoadError> {
        let reply = self
            .send(&self.op_url(label, "begin").await?, label, None)
            .await?;
        let a = &reply.answer;
        match a.status_norm().as_str() {
            "OK" | "SUCCESS" => {
                let mut load = reply.url.clone();
                load.set_query(None);
                load.path_segments_mut()
                    .map_err(|_| protocol(label, &reply, "the begin answer came from a URL without a path".into()))?
                    .pop()
                    .push("load");
                Ok(Begun::New(load))
            }
            "LABEL_ALREADY_EXISTS" => {
                let existing = a.existing_job_status.as_deref().map(str::to_ascii_uppercase);
                let state = match existing.as_deref() {
                    Some("FINISHED") => "VISIBLE".to_string(),
                    Some("RUNNING") => "PREPARED".to_string(),
                    _ => self.get_load_state(label).await?,
                };
                match state.as_str() {
                    "VISIBLE" | "COMMITTED" => Ok(Begun::Finished(outcome_of(
                        a,
                        label.as_str(),
                        &reply.node,
                        LoadStatus::AlreadyLoaded,
                    ))),
                    "PREPARE" | "PREPARED" => Ok(Begun::Open),
                    other => Err(gone(label, &reply, other)),
                }
            }
            _ if a.message_or_empty().contains("Not implemented") => Err(protocol(
                label,
                &reply,
                "this StarRocks has no Stream Load transaction API (it came with 2.4); set sink.max-inflight-loads = 1, which loads one batch at a time with plain Stream Load".into(),
            )),
            status => {
                let status = status.to_string();
                self.settle(reply, label).await?;
                Err(LoadError::Protocol {
                    label: label.to_string(),
                    node: String::new(),
                    message: format!("begin answered {status:?}, which starts no transaction"),
                })
            }
        }
    }

    /// The FE's `/api/transaction/{op}` on the load-url this label uses.
    async fn op_url(&self, label: &Label, op: &str) -> Result<Url, LoadError> {
        let base = self.pick_base(label).await?;
        Ok(self.api_url(base, &["api", "transaction", op], None))
    }

    /// One request (a body for `load`), following redirects; the answer read and parsed.
    async fn send(
        &self,
        url: &Url,
        label: &Label,
        body: Option<LoadBody>,
    ) -> Result<Reply, LoadError> {
        let timeout = if body.is_some() {
            self.request_timeout
        } else {
            self.probe_timeout()
        };
        let (resp, hop) = self
            .send_following(label, url.clone(), timeout, |url| {
                let req = self
                    .http
                    .post(url.clone())
                    .header(reqwest::header::AUTHORIZATION, self.auth.clone())
                    .header("label", label.as_str())
                    .header("db", self.database.as_str())
                    .header("table", self.table.as_str())
                    // The load properties go with every step: the rows need them (the same
                    // on every load), and prepare is where `max_filter_ratio` is weighed.
                    .headers(self.properties.clone());
                match &body {
                    Some(b) => req.body(b.to_request_body()),
                    None => req.header(reqwest::header::CONTENT_LENGTH, "0"),
                }
            })
            .await?;
        let node = authority(&hop.url);
        let (answer, text) = read_answer(resp, label, &node, AnswerOf::Transaction).await?;
        Ok(Reply {
            answer,
            body: text,
            node,
            url: hop.url,
        })
    }

    /// OK → the outcome; any other answer → its classified error (as for Stream Load).
    async fn settle(&self, reply: Reply, label: &Label) -> Result<LoadOutcome, LoadError> {
        if reply.answer.status_norm() == "TXN_NOT_EXISTS" {
            return Err(gone(label, &reply, "UNKNOWN"));
        }
        self.classify(reply.answer, &reply.body, label, &reply.node)
            .await
    }
}

/// The transaction is gone (timed out, rolled back): prepare the batch again.
fn gone(label: &Label, reply: &Reply, state: &str) -> LoadError {
    LoadError::Transient {
        label: label.to_string(),
        node: reply.node.clone(),
        reason: format!(
            "its transaction no longer exists (state {state}: {}); the batch is loaded and prepared again under the same label",
            reply.answer.message_or_empty()
        ),
    }
}

fn protocol(label: &Label, reply: &Reply, message: String) -> LoadError {
    LoadError::Protocol {
        label: label.to_string(),
        node: reply.node.clone(),
        message,
    }
}
