//! IAM's `Marker` / `MaxItems` pagination: `IsTruncated` and, when truncated, the `Marker` to
//! resume from.

use crate::query_api::{Params, QueryApiError, XmlWriter};

/// IAM's default page size and largest allowed `MaxItems`.
const DEFAULT_MAX_ITEMS: i64 = 100;
const MAX_MAX_ITEMS: i64 = 1000;

/// One page of a listing.
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    /// The marker of the next page, when there is one.
    pub next_marker: Option<String>,
}

impl<T> Page<T> {
    /// Cuts the page the request's `Marker` and `MaxItems` ask for out of `items`, which are
    /// in the listing's order. The marker is the key of the first item of the next page; when
    /// that item has gone, the page resumes at the first later key (listings are sorted by
    /// `key`).
    pub fn of(
        params: &Params,
        items: Vec<T>,
        key: impl Fn(&T) -> &str,
    ) -> Result<Self, QueryApiError> {
        let max = params
            .int("MaxItems", 1, MAX_MAX_ITEMS)?
            .unwrap_or(DEFAULT_MAX_ITEMS) as usize;
        let start = match params.get("Marker") {
            None => 0,
            Some(marker) => items
                .iter()
                .position(|item| key(item) == marker)
                .or_else(|| items.iter().position(|item| key(item) > marker))
                .unwrap_or(items.len()),
        };
        let mut rest = items.into_iter().skip(start);
        let page: Vec<T> = rest.by_ref().take(max).collect();
        let next_marker = rest.next().map(|next| key(&next).to_owned());
        Ok(Self {
            items: page,
            next_marker,
        })
    }

    /// `<IsTruncated>` and, if truncated, `<Marker>`.
    pub fn write_tail(&self, w: &mut XmlWriter) {
        w.bool("IsTruncated", self.next_marker.is_some());
        w.opt_text("Marker", self.next_marker.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(extra: &str) -> Params {
        Params::parse(
            format!("Action=ListUsers&Version=2010-05-08{extra}").as_bytes(),
            "",
        )
        .unwrap()
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("user{i:02}")).collect()
    }

    #[test]
    fn pages_through_with_markers() {
        let page = Page::of(&params("&MaxItems=2"), names(5), |s| s.as_str()).unwrap();
        assert_eq!(page.items, ["user00", "user01"]);
        assert_eq!(page.next_marker.as_deref(), Some("user02"));
        let page = Page::of(&params("&MaxItems=2&Marker=user04"), names(5), |s| {
            s.as_str()
        })
        .unwrap();
        assert_eq!(page.items, ["user04"]);
        assert_eq!(page.next_marker, None);
        let mut w = XmlWriter::new();
        page.write_tail(&mut w);
        assert_eq!(w.into_string(), "<IsTruncated>false</IsTruncated>");
    }

    #[test]
    fn a_vanished_marker_resumes_at_the_next_key() {
        let mut items = names(5);
        items.remove(2);
        let page = Page::of(&params("&MaxItems=2&Marker=user02"), items, |s| s.as_str()).unwrap();
        assert_eq!(page.items, ["user03", "user04"]);
    }

    #[test]
    fn defaults_and_limits() {
        let page = Page::of(&params(""), names(150), |s| s.as_str()).unwrap();
        assert_eq!(page.items.len(), 100);
        let mut w = XmlWriter::new();
        page.write_tail(&mut w);
        assert_eq!(
            w.into_string(),
            "<IsTruncated>true</IsTruncated><Marker>user100</Marker>"
        );
        assert!(Page::of(&params("&MaxItems=0"), names(1), |s| s.as_str()).is_err());
        assert!(Page::of(&params("&MaxItems=1001"), names(1), |s| s.as_str()).is_err());
    }
}
