//! Named preflight checks with remediation text (cluster, Stream Load, AWS, security groups, table). Filled by the preflight issue (#4).
