//! The request as the verifier sees it: no HTTP-library types, so any server can call us.

/// An HTTP request as the verifier sees it. Header names are lowercase (they are compared
/// ASCII-case-insensitively anyway) and a name may repeat. Over HTTP/2 the caller must
/// pass the `:authority` as a `host` header.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// The path exactly as on the request line (percent-encoded), without the query.
    pub raw_path: &'a str,
    /// The query string without `?`, possibly empty.
    pub raw_query: &'a str,
    pub headers: &'a [(&'a str, &'a [u8])],
}

impl<'a> RequestParts<'a> {
    /// Every value of header `name`, in request order.
    pub fn header_values(&self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        let headers = self.headers;
        headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The single value of header `name`; `Err(())` when it is repeated.
    pub(crate) fn single_header(&self, name: &'a str) -> Result<Option<&'a [u8]>, ()> {
        let mut values = self.header_values(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(());
        }
        Ok(first)
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &'a str) -> Option<&'a [u8]> {
        self.header_values(name).next()
    }
}
