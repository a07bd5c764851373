//! The IAM policy statement that lets the engine read the stream (what an AccessDenied's
//! remediation asks to add), and the stream ARN it names.

/// The actions the engine calls on the stream to poll it (enhanced fan-out adds
/// [`efo_actions`]).
pub fn read_actions() -> [&'static str; 4] {
    [
        "kinesis:DescribeStreamSummary",
        "kinesis:ListShards",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
    ]
}

/// The seed's `ReadInputStream` statement narrowed to the actions the engine uses, for the given
/// stream ARN.
pub fn read_policy_statement(stream_arn: &str) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let actions: Vec<String> = read_actions()
        .iter()
        .map(|a| format!("        {}", q(a)))
        .collect();
    format!(
        "{{\n    \"Sid\": \"ReadInputStream\",\n    \"Effect\": \"Allow\",\n    \"Action\": [\n{}\n    ],\n    \"Resource\": {}\n}}",
        actions.join(",\n"),
        q(stream_arn)
    )
}

/// The actions `reader = "efo"` adds: on the stream (listing, registering and describing its
/// consumer, deregistering it with the pipeline) and on the consumer (SubscribeToShard).
pub fn efo_actions() -> [&'static str; 5] {
    [
        "kinesis:ListStreamConsumers",
        "kinesis:RegisterStreamConsumer",
        "kinesis:DescribeStreamConsumer",
        "kinesis:DeregisterStreamConsumer",
        "kinesis:SubscribeToShard",
    ]
}

/// The statement `reader = "efo"` needs besides [`read_policy_statement`]: the consumer actions
/// on the stream and its consumers (`<stream arn>/consumer/*`).
pub fn efo_policy_statement(stream_arn: &str) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let actions: Vec<String> = efo_actions()
        .iter()
        .map(|a| format!("        {}", q(a)))
        .collect();
    format!(
        "{{\n    \"Sid\": \"ReadInputStreamEnhancedFanOut\",\n    \"Effect\": \"Allow\",\n    \"Action\": [\n{}\n    ],\n    \"Resource\": [\n        {},\n        {}\n    ]\n}}",
        actions.join(",\n"),
        q(stream_arn),
        q(&format!("{stream_arn}/consumer/*"))
    )
}

/// `arn:aws:kinesis:region:account:stream/name` (aws-cn / aws-us-gov by region).
pub fn stream_arn(region: &str, account: &str, stream: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:kinesis:{region}:{account}:stream/{stream}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_efo_statement_is_json_on_the_stream_and_its_consumers() {
        let arn = "arn:aws:kinesis:us-west-2:012345678901:stream/S";
        let v: serde_json::Value = serde_json::from_str(&efo_policy_statement(arn)).unwrap();
        assert_eq!(v["Resource"][0], arn);
        assert_eq!(v["Resource"][1], format!("{arn}/consumer/*"));
        assert_eq!(v["Action"].as_array().unwrap().len(), 5);
        assert!(v["Action"][4] == "kinesis:SubscribeToShard");
    }

    #[test]
    fn policy_statement_is_json_with_the_arn_and_only_read_actions() {
        let arn = "arn:aws:kinesis:us-west-2:012345678901:stream/ExampleInputStream";
        let s = read_policy_statement(arn);
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        assert_eq!(v["Sid"], "ReadInputStream");
        assert_eq!(v["Effect"], "Allow");
        assert_eq!(v["Resource"], arn);
        let actions: Vec<&str> = v["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "kinesis:DescribeStreamSummary",
                "kinesis:ListShards",
                "kinesis:GetShardIterator",
                "kinesis:GetRecords"
            ]
        );
        assert!(!s.contains("kinesis:*"));
    }

    #[test]
    fn stream_arn_partitions() {
        assert_eq!(
            stream_arn("us-east-1", "123", "s"),
            "arn:aws:kinesis:us-east-1:123:stream/s"
        );
        assert!(stream_arn("cn-north-1", "1", "s").starts_with("arn:aws-cn:"));
        assert!(stream_arn("us-gov-west-1", "1", "s").starts_with("arn:aws-us-gov:"));
    }
}
