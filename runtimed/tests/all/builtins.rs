//! `runtimed --builtins`: the built-in runtimes registered from their directory, as the runtimed image has them.

use kruntimes_engine::Reason;

use crate::guests::builtins_dir;

/// runtimed with `--builtins` registers the python runtime with its stdlib mount (a Run imports a module that
/// only the mount has) and the bash runtime with its tools and python as programs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtimed_loads_builtin_runtimes() {
    use clap::Parser;

    let _guard = crate::harness::shared().await;
    let dir = tempfile::tempdir().unwrap();
    let args = kruntimes_runtimed::daemon::Args::try_parse_from([
        "runtimed".as_ref(),
        "--builtins".as_ref(),
        builtins_dir().as_os_str(),
        "--workspace-root".as_ref(),
        dir.path().join("workspaces").as_os_str(),
        "--cache-dir".as_ref(),
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("kruntimes-component-cache")
            .as_os_str(),
        "--capacity".as_ref(),
        "4".as_ref(),
    ])
    .unwrap();
    let manager = kruntimes_runtimed::daemon::start_manager(&args)
        .await
        .unwrap();
    let mut spec = kruntimes_engine::RunSpec::new(
        kruntimes_engine::RunId::new("runtimed-py", 1).unwrap(),
        "python",
    );
    spec.args = vec![
        "-c".into(),
        "import pydoc_data.topics as t; print(t.__file__)".into(),
    ];
    let mut handle = manager.execute(spec).unwrap();
    let outcome = handle.wait().await;
    let stderr = String::from_utf8_lossy(&handle.stderr().contents()).into_owned();
    assert_eq!(outcome.reason, Reason::Completed, "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&handle.stdout().contents()),
        "/python/pydoc_data/topics.py\n"
    );
    assert_eq!(
        outcome
            .grants
            .preopens
            .iter()
            .map(|p| p.guest_path.as_str())
            .collect::<Vec<_>>(),
        ["/workspace", ".", "/python"]
    );

    // The bash runtime comes with its tool components, registered from the same directory.
    let mut spec = kruntimes_engine::RunSpec::new(
        kruntimes_engine::RunId::new("runtimed-sh", 1).unwrap(),
        "bash",
    );
    spec.args = vec!["echo hi | wc -c; python3 -c 'print(6 * 7)'".into()];
    let mut handle = manager.execute(spec).unwrap();
    let outcome = handle.wait().await;
    let stderr = String::from_utf8_lossy(&handle.stderr().contents()).into_owned();
    assert_eq!(outcome.reason, Reason::Completed, "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&handle.stdout().contents()),
        "3\n42\n"
    );
}
