//! Redis over loopback, the peer of the KV workloads: a `redis-server` child on a free port with
//! persistence off (`--save '' --appendonly no`), driven through the `redis` crate on one
//! connection, as a bot's client drives it. Locks are `SET key token NX PX ttl` to take and a
//! compare-and-delete script to release (the usual single-instance Redis lock).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ::redis::{Connection, Script};

use crate::harness::{Result, note};

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A `redis-server` child process, killed when dropped.
pub struct RedisServer {
    child: Child,
    port: u16,
}

fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

impl RedisServer {
    /// Starts a server working in `dir` (it writes nothing there with persistence off) and waits
    /// until it answers; `None`, after printing a note, where no `redis-server` binary exists.
    pub fn start(dir: &Path) -> Result<Option<RedisServer>> {
        let Some(bin) = binary() else {
            note("no redis-server binary found; the Redis figures are skipped");
            return Ok(None);
        };
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = RedisServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if server.connect().and_then(|mut c| c.ping()).is_ok() {
                return Ok(Some(server));
            }
            if Instant::now() > deadline {
                return Err(format!("redis-server did not answer on port {port}").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A new client connection.
    pub fn connect(&self) -> Result<RedisPeer> {
        let client = ::redis::Client::open(format!("redis://127.0.0.1:{}/", self.port))?;
        Ok(RedisPeer {
            conn: client.get_connection_with_timeout(Duration::from_secs(1))?,
            release: Script::new(RELEASE),
        })
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One client connection.
pub struct RedisPeer {
    conn: Connection,
    release: Script,
}

impl RedisPeer {
    fn ping(&mut self) -> Result<()> {
        ::redis::cmd("PING").query::<String>(&mut self.conn)?;
        Ok(())
    }

    /// `SET key value`.
    pub fn set(&mut self, key: &str, value: &[u8]) -> Result<()> {
        ::redis::cmd("SET").arg(key).arg(value).query::<()>(&mut self.conn)?;
        Ok(())
    }

    /// `GET key`.
    pub fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(::redis::cmd("GET").arg(key).query(&mut self.conn)?)
    }

    /// `INCR key`.
    pub fn incr(&mut self, key: &str) -> Result<i64> {
        Ok(::redis::cmd("INCR").arg(key).query(&mut self.conn)?)
    }

    /// Takes the lock `name` for `ttl` with a fresh random token; the token if it was free.
    pub fn lock(&mut self, name: &str, ttl: Duration) -> Result<Option<String>> {
        let token = format!("{:032x}", fastrand::u128(..));
        let ok: Option<String> = ::redis::cmd("SET")
            .arg(name)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .query(&mut self.conn)?;
        Ok(ok.map(|_| token))
    }

    /// Releases the lock `name` if `token` still holds it; whether it did.
    pub fn unlock(&mut self, name: &str, token: &str) -> Result<bool> {
        let n: i64 = self.release.key(name).arg(token).invoke(&mut self.conn)?;
        Ok(n == 1)
    }
}
