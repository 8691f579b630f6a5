//! Email through Amazon SES v2 `SendEmail`: the addressee's address (the configuration's
//! identity, else the policy's), or the channel's fixed `to`. Text and HTML parts; the
//! links are the signed accept / reject / recycle links.

use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use super::ChannelError;
use crate::note::Note;

#[derive(Debug, Clone)]
pub struct EmailChannel {
    pub from: String,
    pub configuration_set: Option<String>,
    pub to: Option<String>,
}

/// HTML-escapes text placed in the HTML part.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn html(note: &Note) -> String {
    let mut out = format!(
        "<html><body style=\"font-family:sans-serif\"><h2>{}</h2><p>{}</p>",
        esc(&note.title()),
        esc(&note.headline())
    );
    if let Some(why) = &note.why {
        out.push_str(&format!(
            "<p><i>Why {}:</i> {}</p>",
            esc(&note.rep.name),
            esc(why)
        ));
    }
    out.push_str("<table>");
    for (k, v) in note.lead.fields() {
        out.push_str(&format!(
            "<tr><th align=\"left\">{k}</th><td>{}</td></tr>",
            esc(v)
        ));
    }
    out.push_str("</table>");
    if let Some(links) = note.links.as_ref().filter(|_| note.actionable()) {
        out.push_str(&format!(
            "<p><a href=\"{}\">Accept</a> &nbsp; <a href=\"{}\">Reject</a> &nbsp; \
             <a href=\"{}\">Recycle…</a></p>",
            esc(&links.accept),
            esc(&links.reject),
            esc(&links.recycle)
        ));
    }
    out.push_str(&format!(
        "<p style=\"color:#888\">Lead {} · {}</p></body></html>",
        esc(&note.lead.id),
        esc(&note.reference())
    ));
    out
}

fn content(data: String) -> Result<Content, ChannelError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| ChannelError::Config(format!("SES content: {e}")))
}

impl EmailChannel {
    pub fn recipient(&self, note: &Note) -> Result<String, ChannelError> {
        self.to
            .clone()
            .or_else(|| note.addressee.as_ref().and_then(|p| p.email.clone()))
            .ok_or_else(|| {
                ChannelError::NoRecipient(match &note.addressee {
                    Some(p) => format!("rep {} has no email (policy or configuration)", p.id),
                    None => "the message has no addressee and the channel no `to`".into(),
                })
            })
    }

    pub async fn send(&self, ses: &aws_sdk_sesv2::Client, note: &Note) -> Result<(), ChannelError> {
        let to = self.recipient(note)?;
        let message = Message::builder()
            .subject(content(note.title())?)
            .body(
                Body::builder()
                    .text(content(note.plain_text())?)
                    .html(content(html(note))?)
                    .build(),
            )
            .build();
        let result = ses
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => {
                let code = e.err().code().unwrap_or("unknown").to_owned();
                let message = e.err().message().unwrap_or_default().to_owned();
                // Throttling and SES's own failures pass; an unverified sender, a
                // suppressed address or a paused account do not.
                let transient = matches!(
                    code.as_str(),
                    "TooManyRequestsException"
                        | "LimitExceededException"
                        | "InternalFailure"
                        | "ServiceUnavailable"
                );
                Err(ChannelError::Rejected {
                    status: e.raw().status().as_u16(),
                    body: format!("SES {code}: {message}"),
                    permanent: !transient,
                })
            }
            Err(e) => Err(ChannelError::Transport(format!(
                "SES SendEmail: {}",
                crate::describe(&e)
            ))),
        }
    }
}
