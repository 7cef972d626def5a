//! End-to-end tests of the `enso-admit` binary: real process, real stdin,
//! JSON output and exit codes (0 schedulable, 1 not, 2 malformed input).

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_enso-admit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn enso-admit");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json_of(input: &str) -> (Value, i32) {
    let out = run(&["--json"], input);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (v, out.status.code().unwrap())
}

fn error_of(input: &str) -> String {
    let out = run(&["--json"], input);
    assert_eq!(out.status.code(), Some(2), "input {input}");
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn burns_wellings_set_under_rm() {
    let (v, code) = json_of(
        r#"{"policy": "RM", "model": "preemptive", "tasks": [
            {"name": "a", "C": 3, "T": 7}, {"name": "b", "C": 3, "T": 12},
            {"name": "c", "C": 5, "T": 20, "D": 20, "B": 0, "J": 0}]}"#,
    );
    assert_eq!(code, 0);
    assert_eq!(
        v,
        json!({"schedulable": true, "tests": {"ll_bound": false, "hyperbolic": false},
               "tasks": [{"name": "a", "response_time": 3, "schedulable": true},
                         {"name": "b", "response_time": 6, "schedulable": true},
                         {"name": "c", "response_time": 20, "schedulable": true}]})
    );
}

#[test]
fn rejection_gives_null_response_and_exit_1() {
    let (v, code) = json_of(
        r#"{"policy": "DM", "tasks": [{"name": "x", "C": 2, "T": 5}, {"name": "y", "C": 4, "T": 7}]}"#,
    );
    assert_eq!(code, 1);
    assert_eq!(v["schedulable"], json!(false));
    assert_eq!(v["tasks"][0]["response_time"], json!(2));
    assert_eq!(
        v["tasks"][1],
        json!({"name": "y", "response_time": null, "schedulable": false})
    );
    // The same set under EDF passes; no response times, no bound tests.
    let (v, code) = json_of(
        r#"{"policy": "EDF", "tasks": [{"name": "x", "C": 2, "T": 5}, {"name": "y", "C": 4, "T": 7}]}"#,
    );
    assert_eq!(code, 0);
    assert_eq!(
        v,
        json!({"schedulable": true, "tests": {"ll_bound": null, "hyperbolic": null},
               "tasks": [{"name": "x", "response_time": null, "schedulable": true},
                         {"name": "y", "response_time": null, "schedulable": true}]})
    );
}

#[test]
fn exact_hyperbolic_equality_and_fp_priorities() {
    // (3/5 + 1)(1/4 + 1) = 2: hyperbolic passes exactly, Liu-Layland fails.
    let (v, _) = json_of(
        r#"{"policy": "FP", "tasks": [{"name": "slow", "C": 3, "T": 5, "priority": 1},
                                      {"name": "fast", "C": 1, "T": 4, "priority": 2}]}"#,
    );
    assert_eq!(v["tests"], json!({"ll_bound": false, "hyperbolic": true}));
    assert_eq!(v["tasks"][0]["response_time"], json!(4));
    // Priorities against rate order: the bounds do not apply.
    let (v, _) = json_of(
        r#"{"policy": "FP", "tasks": [{"name": "slow", "C": 3, "T": 5, "priority": 2},
                                      {"name": "fast", "C": 1, "T": 4, "priority": 1}]}"#,
    );
    assert_eq!(v["tests"], json!({"ll_bound": null, "hyperbolic": null}));
    assert_eq!(v["tasks"][0]["response_time"], json!(3));
}

#[test]
fn jitter_is_part_of_the_response_and_turns_bounds_off() {
    let (v, code) = json_of(
        r#"{"policy": "RM", "tasks": [{"name": "a", "C": 2, "T": 10, "J": 3},
                                      {"name": "b", "C": 4, "T": 15, "B": 2, "J": 1}]}"#,
    );
    assert_eq!(code, 0);
    assert_eq!(v["tests"], json!({"ll_bound": null, "hyperbolic": null}));
    assert_eq!(v["tasks"][0]["response_time"], json!(5));
    assert_eq!(v["tasks"][1]["response_time"], json!(11));
}

#[test]
fn limited_preemptive_blocks_on_the_longest_lower_poll() {
    let set = |model: &str| {
        format!(
            r#"{{"policy": "RM", "model": "{model}", "tasks": [
                {{"name": "urgent", "C": 1, "T": 10, "D": 4}},
                {{"name": "long", "C": 6, "T": 50}}]}}"#
        )
    };
    let (v, code) = json_of(&set("preemptive"));
    assert_eq!(
        (v["tasks"][0]["response_time"].clone(), code),
        (json!(1), 0)
    );
    // One poll of 6 ticks can run when "urgent" arrives: R = 6 + 1 > 4.
    let (v, code) = json_of(&set("limited-preemptive"));
    assert_eq!(code, 1);
    assert_eq!(
        v["tasks"][0],
        json!({"name": "urgent", "response_time": null, "schedulable": false})
    );
    assert_eq!(v["tests"], json!({"ll_bound": null, "hyperbolic": null}));
    // Split into polls of 2 ticks (and 1 tick of run-loop overhead): R = 3 + 1 = 4.
    let (v, code) = json_of(
        r#"{"policy": "RM", "model": "limited-preemptive", "overhead": 1, "tasks": [
            {"name": "urgent", "C": 1, "T": 10, "D": 4}, {"name": "long", "C": 6, "T": 50, "poll": 2}]}"#,
    );
    assert_eq!(code, 0);
    assert_eq!(v["tasks"][0]["response_time"], json!(4));
}

#[test]
fn reads_a_file_and_prints_a_table() {
    let path = std::env::temp_dir().join(format!("enso-admit-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"policy": "RM", "tasks": [{"name": "x", "C": 2, "T": 5}, {"name": "y", "C": 4, "T": 7}]}"#,
    )
    .unwrap();
    let out = run(&[path.to_str().unwrap()], "");
    std::fs::remove_file(&path).ok();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("task \"y\" misses its deadline by 1 (R = 8 > D = 7)"),
        "{text}"
    );
}

#[test]
fn malformed_inputs_exit_2_naming_the_field() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"policy": "LLF", "tasks": [{"name": "a", "C": 1, "T": 4}]}"#,
            "policy",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "T": 4}]}"#,
            "missing field `C`",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 0, "T": 4}]}"#,
            "tasks[0].C",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": -4}]}"#,
            "tasks[0].T",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 4, "J": 0.5}]}"#,
            "tasks[0].J",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": "1", "T": 4}]}"#,
            "tasks[0].C",
        ),
        (
            r#"{"policy": "FP", "tasks": [{"name": "a", "C": 1, "T": 4}]}"#,
            "tasks[0].priority",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 4}, {"name": "a", "C": 1, "T": 5}]}"#,
            "tasks[1].name: duplicate name",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 4, "prio": 1}]}"#,
            "unknown field `prio`",
        ),
        (
            r#"{"policy": "RM", "color": 1, "tasks": []}"#,
            "unknown field `color`",
        ),
        (
            r#"{"policy": "RM", "tasks": []}"#,
            "tasks: the task list is empty",
        ),
        (
            r#"{"policy": "RM", "model": "cooperative", "tasks": []}"#,
            "model",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 3, "T": 4, "poll": 4}]}"#,
            "tasks[0].poll",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 4, "D": 0}]}"#,
            "tasks[0].D",
        ),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 4}"#,
            "EOF while parsing",
        ),
        ("", "input"),
        (
            r#"{"policy": "RM", "tasks": [{"name": "a", "C": 1, "T": 18446744073709551616}]}"#,
            "tasks[0].T",
        ),
    ];
    for (input, want) in cases {
        let err = error_of(input);
        assert!(
            err.contains(want),
            "input {input}\nwanted {want:?} in {err:?}"
        );
    }
}

#[test]
fn absurd_numbers_are_an_error_not_a_yes() {
    // ceil((t + J) / T) with J = T = u64::MAX overflows: an error, exit 2.
    let err = error_of(
        r#"{"policy": "RM", "tasks": [
            {"name": "a", "C": 1, "T": 18446744073709551615, "J": 18446744073709551615}]}"#,
    );
    assert!(err.contains("overflow") && err.contains("task 0"), "{err}");
    // Huge but representable overload: a clean "no", never a yes.
    let (v, code) = json_of(
        r#"{"policy": "RM", "tasks": [
            {"name": "a", "C": 18446744073709551614, "T": 18446744073709551615},
            {"name": "b", "C": 18446744073709551614, "T": 18446744073709551615}]}"#,
    );
    assert_eq!(code, 1);
    assert_eq!(v["tasks"][1]["response_time"], json!(null));
    let (_, code) = json_of(
        r#"{"policy": "EDF", "tasks": [
            {"name": "a", "C": 18446744073709551614, "T": 18446744073709551615, "D": 5},
            {"name": "b", "C": 1, "T": 18446744073709551614}]}"#,
    );
    assert_ne!(code, 0);
}

#[test]
fn usage_errors_and_help() {
    assert_eq!(run(&["--bogus"], "").status.code(), Some(2));
    assert_eq!(run(&["a.json", "b.json"], "").status.code(), Some(2));
    assert_eq!(run(&["/nonexistent/set.json"], "").status.code(), Some(2));
    let help = run(&["--help"], "");
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("limited-preemptive") && text.contains("longest poll"));
}
