//! A request a step sent to the backend and the answer it keeps showing: the ticket while the
//! request is out, then the answer until the next one replaces it.

use crate::protocol::Ticket;

#[derive(Debug)]
pub struct Call<T> {
    ticket: Option<Ticket>,
    answer: Option<Result<T, String>>,
}

impl<T> Default for Call<T> {
    fn default() -> Self {
        Call {
            ticket: None,
            answer: None,
        }
    }
}

impl<T: Clone> Call<T> {
    /// The request with `ticket` went out; the previous answer stays on screen until it is
    /// answered.
    pub fn sent(&mut self, ticket: Ticket) {
        self.ticket = Some(ticket);
    }

    /// Forgets the answer (a new question makes the old answer wrong to show).
    pub fn clear(&mut self) {
        self.answer = None;
    }

    pub fn pending(&self) -> bool {
        self.ticket.is_some()
    }

    /// Neither sent nor answered yet.
    pub fn untouched(&self) -> bool {
        self.ticket.is_none() && self.answer.is_none()
    }

    pub fn answer(&self) -> Option<&Result<T, String>> {
        self.answer.as_ref()
    }

    /// Keeps `answer` when it answers this call's request (true), else leaves the call alone.
    pub fn settle(&mut self, ticket: Ticket, answer: &Result<T, String>) -> bool {
        self.settle_with(ticket, || answer.clone())
    }

    /// [`Self::settle`] with an answer computed only when it is this call's.
    pub fn settle_with(
        &mut self,
        ticket: Ticket,
        answer: impl FnOnce() -> Result<T, String>,
    ) -> bool {
        if self.ticket != Some(ticket) {
            return false;
        }
        self.ticket = None;
        self.answer = Some(answer());
        true
    }
}
