//! `PostResponse`: the body of a browser upload answered with `success_action_status=201`.

use serde::Serialize;

/// S3 sends this document without a namespace.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename = "PostResponse")]
pub struct PostResponse {
    /// The object's URL.
    #[serde(rename = "Location")]
    pub location: String,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    /// Quoted, as in the `ETag` header.
    #[serde(rename = "ETag")]
    pub etag: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::to_document;

    #[test]
    fn golden() {
        let doc = PostResponse {
            location: "http://127.0.0.1:9000/b/up%2Fa%26b.txt".into(),
            bucket: "b".into(),
            key: "up/a&b.txt".into(),
            etag: "\"d41d8cd98f00b204e9800998ecf8427e\"".into(),
        };
        assert_eq!(
            std::str::from_utf8(&to_document(&doc).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse>\
             <Location>http://127.0.0.1:9000/b/up%2Fa%26b.txt</Location><Bucket>b</Bucket>\
             <Key>up/a&amp;b.txt</Key><ETag>\"d41d8cd98f00b204e9800998ecf8427e\"</ETag>\
             </PostResponse>"
        );
    }
}
