//! What a failed Kubernetes API call means, by its HTTP code first.
//!
//! kube-core 5's `Status::is_not_found` and `is_conflict` compare the `reason` only, so they miss a 404 whose
//! body is not a `Status` (an API group or path the server does not serve answers a plain-text
//! `404 page not found`, which kube labels `Failed to parse error data`). A 409 is either `Conflict` (an update
//! or a precondition lost a race) or `AlreadyExists` (a create found the name taken); the reason tells them
//! apart when there is one.

/// 404: the object, or the API that would serve it, does not exist.
pub fn is_not_found(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == 404)
}

/// 409 from an update, a patch or a delete with a precondition: the object changed since it was read.
pub fn is_conflict(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == 409 && status.reason != "AlreadyExists")
}

/// 409 from a create: an object of that name exists.
pub fn is_already_exists(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == 409 && status.reason != "Conflict")
}

#[cfg(test)]
mod tests {
    use kube::core::Status;

    use super::*;

    fn api(code: u16, reason: &str) -> kube::Error {
        kube::Error::Api(Box::new(Status::failure("m", reason).with_code(code)))
    }

    #[test]
    fn codes_decide_and_reasons_split_409() {
        // A plain-text 404 (an API group the server does not serve) is still not found.
        assert!(is_not_found(&api(404, "Failed to parse error data")));
        assert!(is_not_found(&api(404, "NotFound")));
        assert!(!is_not_found(&api(409, "Conflict")));

        assert!(is_conflict(&api(409, "Conflict")));
        assert!(!is_conflict(&api(409, "AlreadyExists")));
        assert!(is_already_exists(&api(409, "AlreadyExists")));
        assert!(!is_already_exists(&api(409, "Conflict")));
        // Without a reason, a 409 is taken for what the call can get.
        assert!(is_conflict(&api(409, "")) && is_already_exists(&api(409, "")));

        assert!(!is_conflict(&kube::Error::LinesCodecMaxLineLengthExceeded));
    }
}
