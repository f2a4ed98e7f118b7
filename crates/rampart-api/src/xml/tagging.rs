//! The `<Tagging>` document, shared by object and bucket tagging.

use serde::{Deserialize, Serialize};

use super::S3_NAMESPACE;

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "Tagging")]
pub struct Tagging {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "TagSet", default)]
    pub tag_set: TagSetXml,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct TagSetXml {
    #[serde(rename = "Tag", default)]
    pub tags: Vec<TagXml>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct TagXml {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value", default)]
    pub value: String,
}

impl Tagging {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            tag_set: TagSetXml {
                tags: pairs
                    .iter()
                    .map(|(key, value)| TagXml {
                        key: key.clone(),
                        value: value.clone(),
                    })
                    .collect(),
            },
        }
    }

    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.tag_set
            .tags
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    #[test]
    fn golden_and_parse() {
        let doc = Tagging::from_pairs(&[("env".into(), "prod".into())]);
        assert_eq!(
            std::str::from_utf8(&to_document(&doc).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <TagSet><Tag><Key>env</Key><Value>prod</Value></Tag></TagSet></Tagging>"
        );
        let parsed: Tagging = from_body(
            b"<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>\
              <Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag>\
              </TagSet></Tagging>",
        )
        .unwrap();
        assert_eq!(
            parsed.into_pairs(),
            vec![("a".into(), "1".into()), ("b".into(), String::new())]
        );
        let empty: Tagging = from_body(b"<Tagging><TagSet/></Tagging>").unwrap();
        assert!(empty.into_pairs().is_empty());
        let empty = to_document(&Tagging::from_pairs(&[])).unwrap();
        assert!(std::str::from_utf8(&empty).unwrap().contains("<TagSet/>"));
    }
}
