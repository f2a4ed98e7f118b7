//! S3's error codes with their HTTP status and default message, as AWS documents them
//! ("Error responses" in the Amazon S3 API Reference).

use http::StatusCode;

/// A code's wire name: its identifier, or the literal given with `as` (codes with a dot, such
/// as `KMS.DisabledException`).
macro_rules! code_name {
    ($code:ident) => {
        stringify!($code)
    };
    ($code:ident $name:literal) => {
        $name
    };
}

macro_rules! s3_error_codes {
    ($($code:ident $(as $name:literal)? => $status:ident, $message:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum S3ErrorCode { $($code),* }

        impl S3ErrorCode {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$code => code_name!($code $($name)?)),* }
            }

            pub fn status(self) -> StatusCode {
                match self { $(Self::$code => StatusCode::$status),* }
            }

            pub fn default_message(self) -> &'static str {
                match self { $(Self::$code => $message),* }
            }
        }
    };
}

s3_error_codes! {
    AccessControlListNotSupported => BAD_REQUEST, "The bucket does not allow ACLs";
    AccessDenied => FORBIDDEN, "Access Denied";
    AccessForbidden => FORBIDDEN, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
    AuthorizationHeaderMalformed => BAD_REQUEST, "The authorization header is malformed.";
    AuthorizationQueryParametersError => BAD_REQUEST, "Error parsing the query-string authentication parameters.";
    BadDigest => BAD_REQUEST, "The Content-MD5 you specified did not match what we received.";
    BadRequest => BAD_REQUEST, "Bad Request";
    BucketAlreadyExists => CONFLICT, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.";
    BucketAlreadyOwnedByYou => CONFLICT, "Your previous request to create the named bucket succeeded and you already own it.";
    BucketNotEmpty => CONFLICT, "The bucket you tried to delete is not empty";
    ConditionalRequestConflict => CONFLICT, "The conditional request cannot succeed due to a conflicting operation against this resource.";
    ExpiredToken => BAD_REQUEST, "The provided token has expired.";
    EntityTooLarge => BAD_REQUEST, "Your proposed upload exceeds the maximum allowed size";
    EntityTooSmall => BAD_REQUEST, "Your proposed upload is smaller than the minimum allowed size";
    IllegalLocationConstraintException => BAD_REQUEST, "The location constraint is incompatible for the region specific endpoint this request was sent to.";
    IncompleteBody => BAD_REQUEST, "You did not provide the number of bytes specified by the Content-Length HTTP header.";
    InternalError => INTERNAL_SERVER_ERROR, "We encountered an internal error. Please try again.";
    InvalidAccessKeyId => FORBIDDEN, "The AWS Access Key Id you provided does not exist in our records.";
    InvalidArgument => BAD_REQUEST, "Invalid Argument";
    InvalidBucketAclWithObjectOwnership => BAD_REQUEST, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting";
    InvalidBucketName => BAD_REQUEST, "The specified bucket is not valid.";
    InvalidBucketState => CONFLICT, "The request is not valid with the current state of the bucket.";
    InvalidTargetBucketForLogging => BAD_REQUEST, "The target bucket for logging is not valid.";
    InvalidDigest => BAD_REQUEST, "The Content-MD5 you specified is not valid.";
    InvalidPart => BAD_REQUEST, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.";
    InvalidPartNumber => RANGE_NOT_SATISFIABLE, "The requested partnumber is not satisfiable";
    InvalidPartOrder => BAD_REQUEST, "The list of parts was not in ascending order. The parts list must be specified in order by part number.";
    InvalidLocationConstraint => BAD_REQUEST, "The specified location-constraint is not valid";
    InvalidPolicyDocument => BAD_REQUEST, "The content of the form does not meet the conditions specified in the policy document.";
    InvalidRange => RANGE_NOT_SATISFIABLE, "The requested range is not satisfiable";
    InvalidRequest => BAD_REQUEST, "Invalid Request";
    InvalidEncryptionAlgorithmError => BAD_REQUEST, "The encryption request that you specified is not valid. The valid value is AES256.";
    KmsDisabled as "KMS.DisabledException" => BAD_REQUEST, "The KMS key is disabled.";
    KmsNotFound as "KMS.NotFoundException" => BAD_REQUEST, "The KMS key does not exist.";
    KmsInvalidState as "KMS.KMSInvalidStateException" => BAD_REQUEST, "The KMS key is not in a valid state for this request.";
    KmsInvalidCiphertext as "KMS.InvalidCiphertextException" => BAD_REQUEST, "The object's data key could not be decrypted by the KMS.";
    InvalidStorageClass => BAD_REQUEST, "The storage class you specified is not valid";
    InvalidTag => BAD_REQUEST, "The tag provided was not a valid tag.";
    InvalidToken => BAD_REQUEST, "The provided token is malformed or otherwise invalid.";
    InvalidURI => BAD_REQUEST, "Couldn't parse the specified URI.";
    KeyTooLongError => BAD_REQUEST, "Your key is too long";
    MalformedACLError => BAD_REQUEST, "The XML you provided was not well-formed or did not validate against our published schema";
    MalformedPolicy => BAD_REQUEST, "Policies must be valid JSON and the first byte must be '{'";
    MalformedPOSTRequest => BAD_REQUEST, "The body of your POST request is not well-formed multipart/form-data.";
    MalformedXML => BAD_REQUEST, "The XML you provided was not well-formed or did not validate against our published schema";
    MaxMessageLengthExceeded => BAD_REQUEST, "Your request was too big.";
    MaxPostPreDataLengthExceeded => BAD_REQUEST, "Your POST request fields preceding the upload file were too large.";
    MetadataTooLarge => BAD_REQUEST, "Your metadata headers exceed the maximum allowed metadata size.";
    MethodNotAllowed => METHOD_NOT_ALLOWED, "The specified method is not allowed against this resource.";
    MissingContentLength => LENGTH_REQUIRED, "You must provide the Content-Length HTTP header.";
    MissingRequestBodyError => BAD_REQUEST, "Request Body is empty";
    NoSuchBucket => NOT_FOUND, "The specified bucket does not exist";
    NoSuchBucketPolicy => NOT_FOUND, "The bucket policy does not exist";
    NoSuchCORSConfiguration => NOT_FOUND, "The CORS configuration does not exist";
    NoSuchPublicAccessBlockConfiguration => NOT_FOUND, "The public access block configuration was not found";
    NoSuchKey => NOT_FOUND, "The specified key does not exist.";
    NoSuchObjectLockConfiguration => NOT_FOUND, "The specified object does not have a ObjectLock configuration";
    NoSuchUpload => NOT_FOUND, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.";
    NoSuchTagSet => NOT_FOUND, "The TagSet does not exist";
    NoSuchVersion => NOT_FOUND, "The specified version does not exist.";
    ObjectLockConfigurationNotFoundError => NOT_FOUND, "Object Lock configuration does not exist for this bucket";
    NotImplemented => NOT_IMPLEMENTED, "A header you provided implies functionality that is not implemented";
    OperationAborted => CONFLICT, "A conflicting conditional operation is currently in progress against this resource. Please try again.";
    OwnershipControlsNotFoundError => NOT_FOUND, "The bucket ownership controls were not found";
    ServerSideEncryptionConfigurationNotFoundError => NOT_FOUND, "The server side encryption configuration was not found";
    PolicyTooLarge => BAD_REQUEST, "Policy exceeds the maximum allowed document size.";
    PreconditionFailed => PRECONDITION_FAILED, "At least one of the pre-conditions you specified did not hold";
    RequestHeaderSectionTooLarge => BAD_REQUEST, "Your request header section exceeds the maximum allowed size.";
    RequestTimeTooSkewed => FORBIDDEN, "The difference between the request time and the current time is too large.";
    RequestTimeout => BAD_REQUEST, "Your socket connection to the server was not read from or written to within the timeout period.";
    SignatureDoesNotMatch => FORBIDDEN, "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
    UnresolvableGrantByEmailAddress => BAD_REQUEST, "The e-mail address you provided does not match any account on record.";
    XAmzContentSHA256Mismatch => BAD_REQUEST, "The provided 'x-amz-content-sha256' header does not match what was computed.";
}
