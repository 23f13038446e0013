//! Echo requests sent by the lab itself from inside a VM's network namespace: a raw ICMP
//! socket made in that namespace (a blocking thread enters it with `setns(2)`, opens the
//! socket, and goes back; a socket stays in the namespace it was made in), then, on that
//! thread, the request and the wait for its reply. No process per probe: `check` runs hundreds of probes a
//! second this way. The reply is matched by the request's identifier (unique per probe, as
//! every raw ICMP socket of the namespace sees every reply) and source address.

use std::fs::File;
use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use nix::sched::{CloneFlags, setns};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

/// Identifiers of our echo requests (wrapping; 65536 probes apart never overlap in time).
static NEXT_ID: AtomicU16 = AtomicU16::new(1);

/// A raw ICMP socket in network namespace `netns` (a name under `/run/netns`).
fn socket_in(netns: &str) -> std::io::Result<Socket> {
    let here = File::open("/proc/thread-self/ns/net")?;
    let there = File::open(format!("/run/netns/{netns}"))?;
    setns(&there, CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)?;
    let made = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4));
    // Back home whatever happened: this thread goes back to tokio's pool.
    setns(&here, CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)?;
    made
}

/// The Internet checksum (RFC 1071) of `data`.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request with identifier `id` and a small payload.
fn echo_request(id: u16) -> Vec<u8> {
    let mut p = vec![8, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&1u16.to_be_bytes());
    p.extend_from_slice(b"ovn-lab probe...");
    let c = checksum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

/// Whether `packet` (an IPv4 datagram as a raw socket reads it) is the echo reply to request
/// `id` from `from`.
fn is_reply(packet: &[u8], id: u16, from: Ipv4Addr) -> bool {
    let Some(&vihl) = packet.first() else { return false };
    let ihl = usize::from(vihl & 0x0f) * 4;
    if vihl >> 4 != 4 || packet.len() < ihl + 8 || packet.len() < 20 {
        return false;
    }
    let src = Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]);
    let icmp = &packet[ihl..];
    src == from && icmp[0] == 0 && icmp[1] == 0 && u16::from_be_bytes([icmp[4], icmp[5]]) == id
}

/// One echo request from inside `netns` to `addr`; `Ok(true)` if answered within `wait`.
///
/// # Errors
/// The socket could not be made or the request not sent (the caller may fall back to
/// `ping`).
pub(crate) async fn echo(netns: &str, addr: Ipv4Addr, wait: Duration) -> std::io::Result<bool> {
    let ns = netns.to_string();
    tokio::task::spawn_blocking(move || echo_blocking(&ns, addr, wait))
        .await
        .map_err(std::io::Error::other)?
}

/// [`echo`] on a blocking thread: the socket waits with `SO_RCVTIMEO` for the time left.
fn echo_blocking(netns: &str, addr: Ipv4Addr, wait: Duration) -> std::io::Result<bool> {
    let mut sock = socket_in(netns)?;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    sock.send_to(&echo_request(id), &SockAddr::from(SocketAddrV4::new(addr, 0)))?;
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 1500];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        sock.set_read_timeout(Some(left))?;
        match sock.read(&mut buf) {
            Ok(n) if is_reply(&buf[..n], id, addr) => return Ok(true),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(false);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_checksum_and_reply_match() {
        let req = echo_request(0x1234);
        // A correct checksum makes the sum over the message zero.
        assert_eq!(checksum(&req), 0);
        let mut reply = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1];
        let mut icmp = req.clone();
        icmp[0] = 0;
        reply.extend_from_slice(&icmp);
        let from = Ipv4Addr::new(10, 0, 0, 2);
        assert!(is_reply(&reply, 0x1234, from));
        assert!(!is_reply(&reply, 0x1235, from));
        assert!(!is_reply(&reply, 0x1234, Ipv4Addr::new(10, 0, 0, 3)));
        assert!(!is_reply(&reply[..22], 0x1234, from));
    }
}
