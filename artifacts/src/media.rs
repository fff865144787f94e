//! Media types of artifacts, from the file extension. Unknown extensions are `application/octet-stream`.

/// Media type of a directory artifact (stored as a tar.gz), as documented on `ArtifactRef.mediaType`.
pub const DIRECTORY: &str = "application/gzip";
/// Media type of files with an unknown extension.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Extension (lower case) to media type. Small on purpose: the types Runs commonly produce.
const TABLE: &[(&str, &str)] = &[
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("css", "text/css"),
    ("xml", "application/xml"),
    ("json", "application/json"),
    ("jsonl", "application/jsonl"),
    ("ndjson", "application/x-ndjson"),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
    ("toml", "application/toml"),
    ("js", "text/javascript"),
    ("py", "text/x-python"),
    ("sh", "text/x-shellscript"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("svg", "image/svg+xml"),
    ("webp", "image/webp"),
    ("wasm", "application/wasm"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("tgz", "application/gzip"),
    ("tar", "application/x-tar"),
    ("zst", "application/zstd"),
    ("parquet", "application/vnd.apache.parquet"),
];

/// Media type of a file artifact named `name`.
pub fn for_file(name: &str) -> &'static str {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return OCTET_STREAM;
    };
    TABLE
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(ext))
        .map_or(OCTET_STREAM, |(_, media)| media)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known extensions map case-insensitively; unknown, missing and dot-file names are octet streams.
    #[test]
    fn media_type_comes_from_the_extension() {
        assert_eq!(for_file("report.JSON"), "application/json");
        assert_eq!(for_file("a.tar.gz"), "application/gzip");
        assert_eq!(for_file("blob"), OCTET_STREAM);
        assert_eq!(for_file("x.unknown"), OCTET_STREAM);
        assert_eq!(for_file(".txt"), "text/plain");
    }
}
