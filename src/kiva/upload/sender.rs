//! The workers that send drafts ([`Sender`]): one HTTP client and token shared by
//! `--concurrency` threads, each answer recorded in the ledger before and after it
//! leaves, retries with backoff, 429 pauses shared by every worker, and the stop on
//! an authentication failure or a Ctrl-C.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Why the workers must stop taking drafts (the first reason is kept).
#[derive(Debug, Default)]
pub(super) struct Stop {
    flag: AtomicBool,
    reason: Mutex<Option<String>>,
}

impl Stop {
    fn set(&self, reason: String) {
        let mut slot = self.reason.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(reason);
        }
        self.flag.store(true, Ordering::SeqCst);
    }

    fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub(super) fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A pause every worker honours after a 429, so the rate limit is respected by all.
#[derive(Debug, Default)]
pub(super) struct Pause(Mutex<Option<Instant>>);

impl Pause {
    fn until(&self, until: Instant) {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none_or(|t| t < until) {
            *slot = Some(until);
        }
    }

    fn deadline(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Messages from the workers to the display.
pub(super) enum Event {
    Retry { index: usize, why: String },
    Done { index: usize, row: Row },
}

/// Everything the workers share.
pub(super) struct Sender {
    api: PartnerApi,
    tokens: Tokens,
    ledger: Ledger,
    env: &'static str,
    api_base: String,
    pub(super) partner_id: String,
    backoff: Backoff,
    pause: Pause,
    pub(super) stop: Stop,
    /// Requests sent and not yet answered.
    in_flight: AtomicUsize,
}

impl Sender {
    /// Opens the connection (credentials, first token, partner id: wrong credentials
    /// stop the run before anything is sent), then locks the ledger.
    pub(super) fn prepare(dir: &Path, options: &UploadOptions) -> Result<(Sender, History), Error> {
        let Session {
            endpoints,
            client,
            tokens,
            partner_id,
            redactor,
            backoff,
        } = options.connection.open(usize::from(options.concurrency))?;
        let (ledger, history) = Ledger::open(dir).map_err(|e| Error::Usage(e.0))?;
        let sender = Sender {
            api: PartnerApi::new(client, &endpoints.api, &partner_id, redactor),
            tokens,
            ledger,
            env: endpoints.env,
            api_base: endpoints.api,
            partner_id,
            backoff,
            pause: Pause::default(),
            stop: Stop::default(),
            in_flight: AtomicUsize::new(0),
        };
        Ok((sender, history))
    }

    /// Sends the queued drafts with `workers` threads; fills the rows of the drafts
    /// that were sent (the others are left `None`). True if Ctrl-C (or SIGTERM)
    /// interrupted the sending.
    pub(super) fn send_all(
        &self,
        drafts: &[Draft],
        queue: &[usize],
        rows: &mut [Option<Row>],
        workers: usize,
        quiet: bool,
    ) -> bool {
        let next = AtomicUsize::new(0);
        let (events, received) = mpsc::channel::<Event>();
        let catch = interrupt::Catch::start();
        let mut progress = Progress::start(queue.len(), quiet);
        let mut interrupted = false;
        std::thread::scope(|scope| {
            for _ in 0..workers.min(queue.len()) {
                let events = events.clone();
                let next = &next;
                scope.spawn(move || {
                    while !self.stop.is_set() && !interrupt::requested() {
                        let Some(&index) = queue.get(next.fetch_add(1, Ordering::SeqCst)) else {
                            break;
                        };
                        let Some(row) = self.send(&drafts[index], index, &events) else {
                            // Interrupted before its first attempt: left for a rerun.
                            break;
                        };
                        if events.send(Event::Done { index, row }).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(events);
            loop {
                // Woken now and then to tell at once that a signal came.
                let event = received.recv_timeout(Duration::from_millis(100));
                if !interrupted && interrupt::requested() {
                    interrupted = true;
                    progress.interrupted(self.in_flight.load(Ordering::SeqCst));
                }
                let event = match event {
                    Ok(event) => event,
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                };
                match event {
                    Event::Retry { index, why } => {
                        progress.retrying(index, &drafts[index].label(), &why);
                    }
                    Event::Done { index, row } => {
                        let kind = match row.status {
                            s if s.ok() => Kind::Accepted,
                            Status::Uncertain => Kind::Uncertain,
                            _ => Kind::Rejected,
                        };
                        let text = if kind == Kind::Accepted {
                            row.draft_id
                                .as_deref()
                                .map_or_else(|| row.message.clone(), |id| format!("draft {id}"))
                        } else {
                            row.message.clone()
                        };
                        progress.finished(
                            index,
                            &Line {
                                draft: &drafts[index].label(),
                                kind,
                                text: &text,
                            },
                        );
                        rows[index] = Some(row);
                    }
                }
            }
        });
        // From here on a signal ends the process again (the ledger is complete).
        let interrupted = interrupted || interrupt::requested();
        drop(catch);
        progress.finish();
        interrupted
    }

    /// Sends one draft until it has an outcome for this run; `None` if the upload was
    /// interrupted before its first attempt.
    fn send(&self, draft: &Draft, index: usize, events: &mpsc::Sender<Event>) -> Option<Row> {
        let retry = |why: String| {
            let _ = events.send(Event::Retry { index, why });
        };
        let mut failures = 0;
        let mut waits = 0;
        let mut renewed = false;
        // What went wrong with the last attempt, when there was one.
        let mut last_failure: Option<String> = None;
        loop {
            self.wait_for_pause();
            if self.stop.is_set() {
                return Some(Row::not_sent(&format!(
                    "the upload stopped: {}",
                    self.stop.reason().unwrap_or_default()
                )));
            }
            if interrupt::requested() {
                // No new attempt: the last one's `failed` record lets a rerun send it.
                return last_failure.map(|text| {
                    Row::new(
                        Status::Failed,
                        format!("not stored: {text}; not tried again: {INTERRUPTED}"),
                    )
                });
            }
            let token = match self.tokens.current() {
                Ok(token) => token,
                Err(e) => {
                    self.stop.set(e.to_string());
                    return Some(Row::not_sent(&e.to_string()));
                }
            };
            let bytes = match draft.load() {
                Ok(bytes) => bytes,
                Err(reason) => return Some(Row::not_sent(&reason)),
            };
            if !self.record(draft, State::Sending) {
                return Some(Row::not_sent("the ledger could not be written"));
            }
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            let answer = self.api.post_draft(&token.access, &bytes);
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if matches!(
                answer,
                Answer::Accepted { .. }
                    | Answer::Rejected { .. }
                    | Answer::RateLimited { .. }
                    | Answer::ServerError { .. }
            ) {
                token.prove();
            }
            match answer {
                Answer::Accepted { draft_id, message } => {
                    self.record(
                        draft,
                        State::Accepted {
                            draft_id: draft_id.clone(),
                        },
                    );
                    return Some(Row {
                        status: Status::Accepted,
                        draft_id,
                        message: message.unwrap_or_default(),
                    });
                }
                Answer::Rejected { status, message } => {
                    let text = format!("rejected by Kiva ({status}): {message}");
                    self.record(draft, State::Rejected { status, message });
                    return Some(Row::new(Status::Rejected, text));
                }
                Answer::Unknown { reason } => {
                    let text = format!(
                        "outcome unknown ({reason}): {CHECK_PA2}, then rerun with --resend-uncertain if it is not there"
                    );
                    self.record(draft, State::Uncertain { reason });
                    return Some(Row::new(Status::Uncertain, text));
                }
                Answer::TokenRefused { status, message } => {
                    // A new token refused before the API ever took it: the credentials
                    // cannot create drafts. A token that worked and is now refused was
                    // revoked or expired, even right after a renewal: renew again.
                    if renewed && !token.is_proven() {
                        let text = format!("token refused twice ({status}): {message}");
                        self.stop.set(format!(
                            "Kiva refused a new token too ({status}: {message}); check in PA2 > Account > API Access that these credentials may create loan drafts (scope {SCOPE})"
                        ));
                        self.record(draft, State::Rejected { status, message });
                        return Some(Row::new(Status::Rejected, text));
                    }
                    renewed = true;
                    let text = format!("token refused ({status}: {message})");
                    self.record(
                        draft,
                        State::Failed {
                            status: Some(status),
                            message,
                        },
                    );
                    last_failure = Some(text.clone());
                    if interrupt::requested() {
                        continue;
                    }
                    if let Err(e) = self.tokens.renew_after_refusal(&token) {
                        self.stop.set(e.to_string());
                        return Some(Row::not_sent(&e.to_string()));
                    }
                    retry(format!("{text}; retrying with a new token"));
                }
                Answer::RateLimited {
                    retry_after,
                    message,
                } => {
                    waits += 1;
                    let text = format!("rate limited (429: {message})");
                    self.record(
                        draft,
                        State::Failed {
                            status: Some(429),
                            message,
                        },
                    );
                    if waits > RATE_LIMIT_WAITS {
                        return Some(Row::new(
                            Status::Failed,
                            format!("{text} {RATE_LIMIT_WAITS} times; rerun later"),
                        ));
                    }
                    last_failure = Some(text.clone());
                    if interrupt::requested() {
                        continue;
                    }
                    let wait = retry_after.unwrap_or_else(|| self.backoff.delay(waits));
                    self.pause.until(Instant::now() + wait);
                    retry(format!("{text}, waiting {}", seconds(wait)));
                }
                answer @ (Answer::ServerError { .. } | Answer::NotSent { .. }) => {
                    let (status, text) = match answer {
                        Answer::ServerError { status, message } => {
                            (Some(status), format!("server error ({status}: {message})"))
                        }
                        Answer::NotSent { reason } => (None, reason),
                        _ => unreachable!("matched above"),
                    };
                    failures += 1;
                    self.record(
                        draft,
                        State::Failed {
                            status,
                            message: text.clone(),
                        },
                    );
                    if failures >= self.backoff.attempts {
                        return Some(Row::new(
                            Status::Failed,
                            format!(
                                "not stored: {text}; gave up after {failures} attempts (rerun to try again)"
                            ),
                        ));
                    }
                    last_failure = Some(text.clone());
                    if interrupt::requested() {
                        continue;
                    }
                    let delay = self.backoff.delay(failures);
                    retry(format!(
                        "{text}; attempt {} of {} in {}",
                        failures + 1,
                        self.backoff.attempts,
                        seconds(delay)
                    ));
                    self.sleep(delay);
                }
            }
        }
    }

    /// Appends a ledger record; on failure stops the run and returns false.
    fn record(&self, draft: &Draft, state: State) -> bool {
        let record = Record {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            file: draft.file.clone(),
            loan_key: draft.loan_key.clone(),
            sha256: draft.sha256.clone(),
            env: self.env.to_string(),
            api: self.api_base.clone(),
            partner_id: Some(self.partner_id.clone()),
            state,
        };
        match self.ledger.append(&record) {
            Ok(()) => true,
            Err(e) => {
                self.stop.set(e.0);
                false
            }
        }
    }

    /// Waits out a rate-limit pause, waking early if the run stops or is interrupted.
    fn wait_for_pause(&self) {
        while let Some(until) = self.pause.deadline() {
            let now = Instant::now();
            if until <= now || self.stop.is_set() || interrupt::requested() {
                return;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(200)));
        }
    }

    /// Sleeps, waking early if the run stops or is interrupted.
    fn sleep(&self, duration: Duration) {
        let end = Instant::now() + duration;
        loop {
            let now = Instant::now();
            if now >= end || self.stop.is_set() || interrupt::requested() {
                return;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(200)));
        }
    }
}
