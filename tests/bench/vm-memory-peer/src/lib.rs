// SPDX-License-Identifier: GPL-2.0-or-later
//
// vm-memory driven from C: build a guest memory over pages the C side
// owns, and run the loops bench-peer.c times. Each loop is one call, so
// crossing the language boundary costs once per batch, not per access.

use std::os::raw::c_int;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap, GuestRegionMmap, MmapRegion};

pub struct Peer {
    mem: GuestMemoryMmap,
}

fn build(host: *mut u8, page: usize, nr: usize, base: u64) -> Option<GuestMemoryMmap> {
    let mut regions = Vec::with_capacity(nr);
    for i in 0..nr {
        // SAFETY: the caller hands over nr * page bytes of its own mapping,
        // alive for as long as the peer is.
        let r = unsafe {
            MmapRegion::build_raw(
                host.add(i * page),
                page,
                libc_prot_rw(),
                libc_map_private_anon(),
            )
        }
        .ok()?;
        regions.push(GuestRegionMmap::new(r, GuestAddress(base + (i * page) as u64)).ok()?);
    }
    GuestMemoryMmap::from_regions(regions).ok()
}

fn libc_prot_rw() -> i32 {
    0x1 | 0x2 // PROT_READ | PROT_WRITE
}

fn libc_map_private_anon() -> i32 {
    0x02 | 0x20 // MAP_PRIVATE | MAP_ANONYMOUS
}

/// Build @nr regions of @page bytes each, region i at guest address
/// @base + i * @page over host memory @host + i * @page. NULL on error.
#[no_mangle]
pub extern "C" fn vmpeer_new(host: *mut u8, page: usize, nr: usize, base: u64) -> *mut Peer {
    match build(host, page, nr, base) {
        Some(mem) => Box::into_raw(Box::new(Peer { mem })),
        None => std::ptr::null_mut(),
    }
}

/// Build and drop the same layout @times times: what setting it up costs.
/// Returns how many builds failed (0 expected).
#[no_mangle]
pub extern "C" fn vmpeer_build_times(host: *mut u8, page: usize, nr: usize, base: u64, times: u64) -> u64 {
    let mut failed = 0;
    for _ in 0..times {
        match build(host, page, nr, base) {
            Some(mem) => drop(std::hint::black_box(mem)),
            None => failed += 1,
        }
    }
    failed
}

#[no_mangle]
pub extern "C" fn vmpeer_free(p: *mut Peer) {
    if !p.is_null() {
        // SAFETY: made by vmpeer_new() and not freed before.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// read_obj::<u64> at each of @addrs in turn, @iters reads in all.
/// Returns the sum of what was read (so nothing is optimised away), or
/// u64::MAX if a read failed.
#[no_mangle]
pub extern "C" fn vmpeer_read_u64_loop(p: *const Peer, addrs: *const u64, naddrs: usize, iters: u64) -> u64 {
    // SAFETY: a live peer, and @naddrs addresses.
    let (peer, addrs) = unsafe { (&*p, std::slice::from_raw_parts(addrs, naddrs)) };
    let mut sum: u64 = 0;
    let mut i = 0;
    for _ in 0..iters {
        match peer.mem.read_obj::<u64>(GuestAddress(addrs[i])) {
            Ok(v) => sum = sum.wrapping_add(u64::from_le(v)),
            Err(_) => return u64::MAX,
        }
        i += 1;
        if i == naddrs {
            i = 0;
        }
    }
    sum
}

/// write_obj::<u64> of @val at each of @addrs in turn; returns 0, or -1
/// if a write failed.
#[no_mangle]
pub extern "C" fn vmpeer_write_u64_loop(p: *const Peer, addrs: *const u64, naddrs: usize, iters: u64, val: u64) -> c_int {
    // SAFETY: as above.
    let (peer, addrs) = unsafe { (&*p, std::slice::from_raw_parts(addrs, naddrs)) };
    let mut i = 0;
    for _ in 0..iters {
        if peer.mem.write_obj::<u64>(val.to_le(), GuestAddress(addrs[i])).is_err() {
            return -1;
        }
        i += 1;
        if i == naddrs {
            i = 0;
        }
    }
    0
}
