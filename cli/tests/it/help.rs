//! Every command explains itself.

use crate::common::ok;

#[test]
fn every_command_has_help() {
    let top = ok(&["--help"]);
    for cmd in [
        "policy",
        "simulate",
        "explain",
        "demo",
        "serve",
        "accounts",
        "lead",
        "dlq",
        "outcomes",
        "bench-load",
    ] {
        assert!(top.contains(cmd), "{top}");
    }
    let cases: &[(&[&str], &[&str])] = &[
        (&["policy", "validate", "--help"], &["FILE", "--format"]),
        (&["policy", "schema", "--help"], &["yaml-language-server"]),
        (
            &["simulate", "--help"],
            &[
                "--policy",
                "--leads",
                "--demo",
                "--seed",
                "--accounts",
                "--work-time",
                "--decisions",
                "--start",
            ],
        ),
        (
            &["explain", "--help"],
            &["--lead", "--accounts", "--at", "--state", "--json"],
        ),
        (
            &["demo", "leads", "--help"],
            &["--count", "--seed", "--start", "--format"],
        ),
        (&["demo", "accounts", "--help"], &["--count", "--format"]),
        (
            &["serve", "--help"],
            &[
                "--port",
                "--data-dir",
                "--intake-config",
                "--no-demo",
                "--workers",
                "--visibility-timeout",
                "--max-receives",
                "--sweep-interval",
            ],
        ),
        (
            &["policy", "apply", "--help"],
            &["FILE", "--note", "--data-dir"],
        ),
        (&["policy", "show", "--help"], &["VERSION", "--data-dir"]),
        (&["policy", "history", "--help"], &["--json", "--data-dir"]),
        (
            &["policy", "rollback", "--help"],
            &["VERSION", "--data-dir"],
        ),
        (&["accounts", "import", "--help"], &["FILE", "--data-dir"]),
        (&["lead", "show", "--help"], &["ID", "--json", "--data-dir"]),
        (
            &["lead", "list", "--help"],
            &[
                "--since",
                "--status",
                "--pool",
                "--rep",
                "--reason",
                "--overdue",
                "--email",
                "--domain",
                "--company",
                "--after",
                "--data-dir",
            ],
        ),
        (&["dlq", "list", "--help"], &["--max", "--data-dir"]),
        (&["dlq", "redrive", "--help"], &["--max", "--data-dir"]),
        (
            &["outcomes", "show", "--help"],
            &["--rep", "--format", "--data-dir", "--api", "--table"],
        ),
        (&["outcomes", "rebuild", "--help"], &["--data-dir", "--api"]),
        (
            &["outcomes", "import", "--help"],
            &["FILE", "--data-dir", "--api"],
        ),
        (
            &["bench-load", "--help"],
            &[
                "--url",
                "--api-key",
                "--rate",
                "--duration",
                "--concurrency",
            ],
        ),
    ];
    for (args, needles) in cases {
        let help = ok(args);
        for n in *needles {
            assert!(
                help.contains(n),
                "`switchboard {}` lacks {n}:\n{help}",
                args.join(" ")
            );
        }
    }
}
