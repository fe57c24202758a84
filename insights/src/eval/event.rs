//! Log events as the engine sees them.

/// An owned log event (what a data source or test hands to [`super::run`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogEvent {
    /// Epoch milliseconds.
    pub timestamp: i64,
    pub message: String,
    pub log_stream: String,
    pub log_group: String,
    pub ingestion_time: Option<i64>,
}

impl LogEvent {
    pub fn new(timestamp: i64, message: impl Into<String>) -> Self {
        LogEvent {
            timestamp,
            message: message.into(),
            ..Default::default()
        }
    }

    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            timestamp: self.timestamp,
            message: &self.message,
            log_stream: &self.log_stream,
            log_group: &self.log_group,
            ingestion_time: self.ingestion_time,
        }
    }
}

/// A borrowed log event: lets input decoders hand lines to the engine without copying them.
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    pub timestamp: i64,
    pub message: &'a str,
    pub log_stream: &'a str,
    pub log_group: &'a str,
    pub ingestion_time: Option<i64>,
}
