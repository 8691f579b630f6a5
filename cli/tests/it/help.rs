//! Every command explains itself.

use crate::common::ok;

#[test]
fn every_command_has_help() {
    let top = ok(&["--help"]);
    for cmd in ["policy", "simulate", "explain", "demo"] {
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
