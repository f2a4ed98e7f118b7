//! The `<Error>` document.

use bytes::Bytes;
use quick_xml::escape::escape;

use crate::error::ApiError;

/// Renders S3's error document. Written by hand because its extra elements vary per error.
pub fn error_document(err: &ApiError, request_id: &str, host_id: &str) -> Bytes {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    element(&mut out, "Code", err.code.as_str());
    element(&mut out, "Message", &err.message);
    for (name, value) in &err.fields {
        element(&mut out, name, value);
    }
    element(&mut out, "RequestId", request_id);
    element(&mut out, "HostId", host_id);
    out.push_str("</Error>");
    Bytes::from(out)
}

fn element(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape(value));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;

    #[test]
    fn golden_no_such_key() {
        let err = ApiError::new(S3ErrorCode::NoSuchKey).field("Key", "a<b>&c");
        let doc = error_document(&err, "4442587FB7D0A2F9", "hostid");
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
             <Message>The specified key does not exist.</Message><Key>a&lt;b&gt;&amp;c</Key>\
             <RequestId>4442587FB7D0A2F9</RequestId><HostId>hostid</HostId></Error>"
        );
    }
}
