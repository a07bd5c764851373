//! How the exported job is built and run on one machine (a local Flink mini-cluster): the
//! README's "Local run", kinesis-starrocks' real-Flink test and the Flink benchmark use these.

use std::path::Path;

/// The `--add-opens` a local run needs on Java 17: the list Flink's own launcher passes
/// (`env.java.opts.all` in its config.yaml); MSF passes them itself.
pub fn local_jvm_args() -> Vec<String> {
    [
        "java.lang",
        "java.net",
        "java.io",
        "java.nio",
        "sun.nio.ch",
        "java.lang.reflect",
        "java.text",
        "java.time",
        "java.util",
        "java.util.concurrent",
        "java.util.concurrent.atomic",
        "java.util.concurrent.locks",
    ]
    .iter()
    .map(|package| format!("--add-opens=java.base/{package}=ALL-UNNAMED"))
    .collect()
}

/// `mvn` arguments that build the jar and write the class path MSF provides (Flink itself) to
/// `classpath_file`; `maven_repo` caches the downloads.
pub fn local_build_args(maven_repo: &Path, classpath_file: &Path) -> Vec<String> {
    vec![
        "-B".into(),
        "-q".into(),
        format!("-Dmaven.repo.local={}", maven_repo.display()),
        "package".into(),
        "dependency:build-classpath".into(),
        "-Dmdep.includeScope=provided".into(),
        format!("-Dmdep.outputFile={}", classpath_file.display()),
    ]
}

/// `java` arguments that run the job on a local mini-cluster: the jar, the provided class path
/// (the text `local_build_args` wrote), the runtime properties file, the checkpoint interval.
pub fn local_run_args(
    jar: &Path,
    provided_classpath: &str,
    properties: &Path,
    checkpoint_interval_ms: u64,
) -> Vec<String> {
    let mut args = local_jvm_args();
    args.extend([
        "-cp".into(),
        format!("{}:{}", jar.display(), provided_classpath.trim()),
        "dev.kinesisstarrocks.job.PipelineJob".into(),
        "--properties".into(),
        properties.display().to_string(),
        "--checkpoint-interval-ms".into(),
        checkpoint_interval_ms.to_string(),
    ]);
    args
}

/// A runtime properties file for a local run: the password in the property group the runner
/// reads (on MSF it comes from Secrets Manager instead).
pub fn local_properties(password: &str) -> String {
    serde_json::json!([{
        "PropertyGroupId": super::msf::PROPERTY_GROUP,
        "PropertyMap": { "password": password }
    }])
    .to_string()
}
