//! Outputs: the `$KRUNTIME_OUTPUTS` file read back from a real guest, including hostile shapes.

use crate::guests;
use crate::harness::Host;

/// Valid outputs are parsed: values verbatim after the first `=`, blank lines ignored, the last duplicate wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_outputs_are_reported() {
    let host = Host::new().await;
    let run = host.run(guests::OUTPUTS).args(&["valid"]).finish().await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    let outputs: Vec<(&str, &str)> = run
        .outcome
        .outputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        outputs,
        [
            ("answer", "43"),
            ("greeting", "hello world"),
            ("url", "https://x.test/?a=b")
        ]
    );
}

/// No file means no outputs, not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_outputs_file_is_empty_outputs() {
    let host = Host::new().await;
    let run = host.run(guests::OUTPUTS).args(&["none"]).finish().await;
    assert_eq!(run.result(), "Succeeded/Completed");
    assert!(run.outcome.outputs.is_empty());
}

/// A malformed file fails the Run with `OutputsInvalid` naming the line; an oversize value with `OutputsTooLarge`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversize_outputs_fail_the_run() {
    let host = Host::new().await;
    let run = host
        .run(guests::OUTPUTS)
        .args(&["malformed"])
        .finish()
        .await;
    assert_eq!(run.result(), "Failed/OutputsInvalid");
    assert_eq!(
        run.outcome.message,
        "outputs file is invalid: line 2 is not KEY=VALUE (no `=`)"
    );
    assert_eq!(run.outcome.exit_code, Some(0));
    assert!(run.outcome.outputs.is_empty());

    let run = host
        .run(guests::OUTPUTS)
        .args(&["too-large"])
        .finish()
        .await;
    assert_eq!(run.result(), "Failed/OutputsTooLarge");
    assert!(
        run.outcome.message.contains("value of big has 9000 bytes"),
        "{}",
        run.outcome.message
    );
}

/// `$KRUNTIME_OUTPUTS` as a symlink (to a decoy inside the workspace, or `..`) is refused and never followed; the
/// workspace with the guest's `..` link is then removed without touching anything outside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinked_outputs_are_refused_and_never_followed() {
    let host = Host::new().await;
    let run = host.run(guests::OUTPUTS).args(&["symlink"]).finish().await;
    assert_eq!(run.result(), "Failed/OutputsInvalid", "{}", run.stderr);
    assert_eq!(
        run.outcome.message,
        "outputs file is invalid: $KRUNTIME_OUTPUTS is a symlink; write a regular file"
    );
    assert!(run.outcome.outputs.is_empty(), "the decoy was read");

    std::fs::write(host.dir().join("outside.txt"), "outside").unwrap();
    let run = host
        .run(guests::OUTPUTS)
        .args(&["up-symlink"])
        .finish()
        .await;
    assert_eq!(run.result(), "Failed/OutputsInvalid", "{}", run.stderr);
    let ws = host.workspace_path(&run.id);
    let link = ws.join(".kruntimes/outputs");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    host.manager.forget(&run.id).await.unwrap();
    assert!(!ws.exists());
    assert_eq!(
        std::fs::read_to_string(host.dir().join("outside.txt")).unwrap(),
        "outside"
    );
    assert!(host.dir().join("workspaces").is_dir());
}
