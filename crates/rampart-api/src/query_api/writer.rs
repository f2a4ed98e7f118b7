//! Query-protocol response documents:
//! `<{Action}Response xmlns="…"><{Action}Result>…</{Action}Result><ResponseMetadata>
//! <RequestId>…</RequestId></ResponseMetadata></{Action}Response>`.

use std::fmt::Display;
use std::time::SystemTime;

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use quick_xml::escape::partial_escape;
use time::OffsetDateTime;
use time::macros::format_description;

use super::Service;

/// Builds the inside of a document element by element, escaping text.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn new() -> Self {
        Self {
            out: String::with_capacity(512),
        }
    }

    pub(super) fn raw_start_with_namespace(&mut self, name: &str, namespace: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(namespace);
        self.out.push_str("\">");
    }

    pub fn start(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>value</name>`, escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        self.start(name);
        self.out.push_str(&partial_escape(value));
        self.end(name);
    }

    pub fn opt_text(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.text(name, value);
        }
    }

    /// A number (or any value whose display needs no escaping).
    pub fn number(&mut self, name: &str, value: impl Display) {
        self.text(name, &value.to_string());
    }

    pub fn bool(&mut self, name: &str, value: bool) {
        self.text(name, if value { "true" } else { "false" });
    }

    pub fn date(&mut self, name: &str, value: SystemTime) {
        self.text(name, &format_date(value));
    }

    /// `<name>` with the content `f` writes.
    pub fn element(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        self.start(name);
        f(self);
        self.end(name);
    }

    /// `<name><member>…</member>…</name>`, each member's content written by `f`.
    pub fn list<T>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
        mut f: impl FnMut(&mut Self, T),
    ) {
        self.start(name);
        for item in items {
            self.element("member", |w| f(w, item));
        }
        self.end(name);
    }

    /// `<name><member>text</member>…</name>`.
    pub fn string_list<'a>(&mut self, name: &str, items: impl IntoIterator<Item = &'a str>) {
        self.start(name);
        for item in items {
            self.text("member", item);
        }
        self.end(name);
    }

    pub fn into_string(self) -> String {
        self.out
    }
}

/// The 200 response for `action`, with `result` (the inside of `<{Action}Result>`) if the
/// action has one.
/// The answer to one action: its `<{Action}Response>` document, or its error document.
pub fn answer(
    service: Service,
    action: &str,
    request_id: &str,
    outcome: Result<Option<XmlWriter>, super::QueryApiError>,
) -> Response {
    match outcome {
        Ok(result) => response(service, action, request_id, result),
        Err(err) => super::error_response(service, &err, request_id),
    }
}

pub fn response(
    service: Service,
    action: &str,
    request_id: &str,
    result: Option<XmlWriter>,
) -> Response {
    xml_response(
        StatusCode::OK,
        document(service, action, request_id, result),
        request_id,
    )
}

fn document(service: Service, action: &str, request_id: &str, result: Option<XmlWriter>) -> String {
    let response = format!("{action}Response");
    let mut w = XmlWriter::new();
    w.raw_start_with_namespace(&response, service.namespace());
    if let Some(result) = result {
        let wrapper = format!("{action}Result");
        w.start(&wrapper);
        w.out.push_str(&result.out);
        w.end(&wrapper);
    }
    w.element("ResponseMetadata", |w| w.text("RequestId", request_id));
    w.end(&response);
    w.into_string()
}

pub(super) fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-requestid", id);
    }
    r
}

/// IAM's and STS's timestamp format: ISO 8601 in UTC to the second, `2026-11-22T10:00:00Z`.
pub fn format_date(t: SystemTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from(t)
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn golden_response_with_result() {
        let mut w = XmlWriter::new();
        w.element("User", |w| {
            w.text("Path", "/");
            w.text("UserName", "a&b");
            w.date(
                "CreateDate",
                UNIX_EPOCH + Duration::from_secs(1_795_341_600),
            );
        });
        w.bool("IsTruncated", false);
        assert_eq!(
            document(Service::Iam, "CreateUser", "rid", Some(w)),
            "<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
             <CreateUserResult><User><Path>/</Path><UserName>a&amp;b</UserName>\
             <CreateDate>2026-11-22T10:00:00Z</CreateDate></User>\
             <IsTruncated>false</IsTruncated></CreateUserResult>\
             <ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></CreateUserResponse>"
        );
    }

    #[test]
    fn golden_response_without_result() {
        assert_eq!(
            document(Service::Sts, "Nothing", "r", None),
            "<NothingResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></NothingResponse>"
        );
    }

    #[test]
    fn lists() {
        let mut w = XmlWriter::new();
        w.string_list("PolicyNames", ["a", "<b>"]);
        w.list("Tags", [("k", "v")], |w, (k, v)| {
            w.text("Key", k);
            w.text("Value", v);
        });
        w.list("Empty", Vec::<u8>::new(), |_, _| {});
        w.number("MaxSessionDuration", 3600);
        w.opt_text("Description", None);
        assert_eq!(
            w.into_string(),
            "<PolicyNames><member>a</member><member>&lt;b&gt;</member></PolicyNames>\
             <Tags><member><Key>k</Key><Value>v</Value></member></Tags><Empty></Empty>\
             <MaxSessionDuration>3600</MaxSessionDuration>"
        );
    }

    #[test]
    fn response_headers() {
        let r = response(Service::Iam, "DeleteUser", "abc", None);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/xml");
        assert_eq!(r.headers()["x-amzn-requestid"], "abc");
    }
}
