//! Every bus message kind crosses from core 0 to core 1 over the mesh and
//! its effect comes back to core 0 (or to the test, for listings).

mod common;

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use common::*;
use enso::{
    Context, CoreIndex, End, Mail, Message, Quanta, Task, TaskBox, TaskId, TimerAction,
    TimerRequest, UserMsg,
};

type Job = Box<dyn FnOnce(&mut Context<'_>) + Send>;

/// Runs jobs (closures) with a core-0 task's context.
struct Relay(Receiver<Job>);
impl Task for Relay {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Ok(job) = self.0.try_recv() {
            job(cx);
        }
        Poll::Pending
    }
}

/// Records its mail.
struct Collector(Arc<Mutex<Vec<Mail>>>);
impl Task for Collector {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(m) = cx.recv() {
            self.0.lock().unwrap().push(m);
        }
        Poll::Pending
    }
}

/// Answers mail back to `to`: words as words, user messages as user
/// messages, exec texts as their length, sockets as their port.
struct Echo {
    to: TaskId,
}
impl Task for Echo {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(m) = cx.recv() {
            let r = match m {
                Mail::Word(w) => cx.send(self.to, w),
                Mail::User(u) => cx.send_user(self.to, u),
                Mail::Exec(t) => {
                    let len = cx.take_text(t).map_or(0, |s| s.len() as u64);
                    cx.send(self.to, 9_000 + len)
                }
                Mail::Io(tok) => {
                    let port = cx
                        .io()
                        .unwrap()
                        .local_addr(enso::IoToken(tok))
                        .unwrap()
                        .port();
                    cx.send(self.to, 10_000 + u64::from(port > 0))
                }
            };
            r.unwrap();
        }
        Poll::Pending
    }
}

/// Reports `word` to `to` and ends.
struct Report {
    to: TaskId,
    word: u64,
}
impl Task for Report {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match cx.send(self.to, self.word) {
            Ok(()) => Poll::Ready(()),
            Err(_) => Poll::Pending,
        }
    }
}

/// Pushes into ring `r` when woken; reports 5 on success and 6 once the
/// capability is gone.
struct Ringer {
    to: TaskId,
    ring: enso::RingId,
}
impl Task for Ringer {
    type Output = ();
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let w = match cx.push(self.ring, 1) {
            Ok(()) => 5,
            Err(enso::PushError::Cap(_)) => 6,
            Err(enso::PushError::Full(_)) => 0,
        };
        cx.send(self.to, w).unwrap();
        Poll::Pending
    }
}

/// Watches `victim` (a `Join` message) and ends when woken after it ended.
struct Watcher {
    victim: TaskId,
    asked: bool,
    handle: enso::KernelHandle,
}
impl Task for Watcher {
    type Output = bool;
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        if !self.asked {
            self.asked = true;
            cx.watch(self.victim);
            return Poll::Pending;
        }
        Poll::Ready(self.handle.check(self.victim).is_err())
    }
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn id_of<T>(j: &enso::JoinHandle<T>) -> TaskId {
    let mut id = None;
    wait_for("task placement", || {
        id = j.task_id();
        id.is_some()
    });
    id.unwrap()
}

#[test]
fn every_message_kind_round_trips_between_two_cores() {
    let k = start(two_cores().ring("r", 8));
    let h = k.handle().clone();
    let (c0, c1) = (CoreIndex(0), CoreIndex(1));
    let (jobs, rx): (Sender<Job>, _) = channel();
    let relay = id_of(&h.spawn_on(c0, 9, Relay(rx)).unwrap());
    let run = |job: Job| {
        jobs.send(job).unwrap();
        h.wake(relay).unwrap();
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let coll = id_of(&h.spawn_on(c0, 5, Collector(log.clone())).unwrap());
    let echo = id_of(&h.spawn_on(c1, 5, Echo { to: coll }).unwrap());
    let has = |m: Mail| {
        let log = log.clone();
        move || log.lock().unwrap().contains(&m)
    };
    let mut kinds = [false; enso::bus::KINDS];
    let mut post = |m: Message| {
        kinds[m.kind()] = true;
        run(Box::new(move |cx| cx.post(CoreIndex(1), m)));
    };

    // spawn: a task placed on core 1 reports back.
    post(Message::Spawn {
        task: TaskBox::new(Report {
            to: coll,
            word: 1001,
        }),
        priority: 3,
    });
    wait_for("spawn", has(Mail::Word(1001)));
    // send: core 1 echoes the word.
    post(Message::Send { to: echo, word: 4 });
    wait_for("send", has(Mail::Word(4)));
    // user: echoed as a user message.
    let u = UserMsg {
        protocol: 77,
        words: [1, 2, 3, 4],
    };
    post(Message::User { to: echo, msg: u });
    wait_for("user", has(Mail::User(u)));
    // exec: the text reaches core 1, its length comes back.
    let text = h.put_text("1+2");
    post(Message::Exec { task: echo, text });
    wait_for("exec", has(Mail::Word(9_003)));
    // io: a listener handed to core 1's reactor.
    let l = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    post(Message::Io {
        task: echo,
        source: enso::IoSource::Listener(l),
    });
    wait_for("io", has(Mail::Word(10_001)));
    // timer: armed on core 1, its fire sends to core 0.
    post(Message::Timer(TimerRequest {
        after_ns: 1_000_000,
        period_ns: 0,
        action: TimerAction::Send { to: coll, word: 8 },
    }));
    wait_for("timer", has(Mail::Word(8)));
    // ring: a write capability granted on core 1; cursor: taken back; wake: nudges.
    let ring = h.ring("r").unwrap();
    let ringer = id_of(&h.spawn_on(c1, 5, Ringer { to: coll, ring }).unwrap());
    wait_for("ringer without capability", has(Mail::Word(6)));
    post(Message::Ring {
        ring,
        end: End::Write,
        task: ringer,
    });
    wait_for("ring", has(Mail::Word(5)));
    log.lock().unwrap().clear();
    post(Message::Cursor {
        ring,
        end: End::Write,
        task: ringer,
    });
    post(Message::Wake { task: ringer });
    wait_for("cursor + wake", has(Mail::Word(6)));
    // join: a core-0 watcher is woken when a core-1 task ends; kill ends it.
    let victim_j = h.spawn_on(c1, 5, Forever).unwrap();
    let victim = id_of(&victim_j);
    let watcher = h
        .spawn_on(
            c0,
            5,
            Watcher {
                victim,
                asked: false,
                handle: h.clone(),
            },
        )
        .unwrap();
    id_of(&watcher);
    h.sync(c0).unwrap();
    post(Message::Join {
        task: victim,
        waiter: watcher.task_id().unwrap(),
    });
    post(Message::Kill { task: victim });
    assert_eq!(join(victim_j), Err(enso::JoinError::Killed));
    assert_eq!(join(watcher), Ok(true));
    // register: the listing shows the name.
    let name = h.name_id("the-echo");
    post(Message::Register { task: echo, name });
    wait_for("register", || {
        h.tasks()
            .iter()
            .any(|t| t.id == echo && t.name.as_deref() == Some("the-echo"))
    });
    // qos + sync: the answer to a sync comes back to core 0 after the qos.
    let q = Quanta {
        bus: 7,
        io: 9,
        tasks: 11,
    };
    post(Message::Qos(q));
    post(Message::Sync {
        from: c0,
        seq: 4242,
        ack: false,
    });
    wait_for("sync", || h.last_sync(c0) == 4242);
    assert_eq!(h.cores()[1].quanta, q);
    // stats: core 1 publishes its listing for a request from core 0.
    post(Message::Stats { seq: 1 << 40 });
    wait_for("stats", || h.tasks().iter().any(|t| t.id == echo));
    // halt: from core 0, over the bus to core 1 (and locally to core 0).
    kinds[Message::Halt.kind()] = true;
    run(Box::new(|cx| cx.halt_kernel()));
    for (i, seen) in kinds.iter().enumerate() {
        assert!(seen, "kind {} not exercised", enso::bus::KIND_NAMES[i]);
    }
    let rep = k.join().expect("clean halt");
    assert_eq!(rep.lost(), 0, "{rep}");
}
