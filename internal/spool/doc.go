// Package spool is a bounded, durable, crash-tolerant FIFO of log records on
// local disk: where a fapilog pipeline puts protected records it could not
// deliver, and where it (or the next process) finds them again.
//
// # Folder
//
// A folder holds up to MaxSlots spools, one per open logger across all
// processes. Slot k is two files:
//
//	slot-k.lock   held with an exclusive flock(2) for as long as a spool is open on the slot
//	slot-k.spool  the records
//
// Open takes the first slot whose lock is free, so two live loggers never
// share a file and two processes never replay the same records. The kernel
// drops the lock when a process dies, however it dies, so the next Open
// finds the slot free and its records waiting: they are "inherited". Open
// also adopts every orphaned slot (file present, lock free): their records
// are copied into its own file, made durable, and only then removed from
// the orphan. The lock files are never removed (removing a locked file
// would let two processes lock two different files of one name).
//
// # File format (version 3)
//
//	header: "FAPSPOOL" | version uint32 LE | CRC-32C of the 12 bytes before, uint32 LE   (16 bytes)
//	entry:  marker "\xfaSP\x02" | length uint32 LE | CRC-32C of (the length bytes, payload) uint32 LE | payload
//	payload: kind byte | body
//	  kind 1, record:          body = the record, encoded by AppendRecord
//	  kind 2, acknowledgement: body = uvarint: the file offset of the first entry not yet delivered
//	  kind 3, sent mark:       body = uvarint: records ending at or before this offset were handed to an exporter
//	  kind 4, record resent:   a record (body as kind 1) that an earlier attempt may have delivered
//
// Open rewrites a file that holds marks (and any version 2 file, which
// differs only in lacking kinds 3 and 4) so that records marked sent and
// not acknowledged become kind 4: Peek returns them with MaybeDelivered,
// which is how the next process counts possible duplicates.
//
// The file is append-only: records are added at the end; delivered ones are
// acknowledged by appending an acknowledgement entry (cumulative count), and
// the file is emptied (truncated to its header) when nothing is left, or
// rewritten without the delivered records (new file, fsync, rename over the
// old one, fsync of the folder) when space must be reclaimed or when Open
// finds acknowledgements.
//
// # Guarantees
//
//   - Durability: Append writes all its records with one write(2) and
//     returns after fsync(2) of the file (concurrent Appends share one
//     fsync). A record Append reported as added survives a crash of the
//     process or the machine. Creating or replacing a file also fsyncs the
//     folder.
//   - Torn writes: every entry carries its length and a CRC-32C. An entry
//     cut short or failing its checksum with no valid entry after it is the
//     write a crash interrupted: Open discards it, truncates the file to the
//     last good entry, and reports the bytes in Recovery.TornBytes. A failed
//     write truncates the file back at once, so a running spool never has a
//     partial entry behind its data.
//   - Damage: an entry changed on disk after it was written (a flipped bit)
//     costs that entry only. Readers skip to the next offset holding the
//     marker and a valid entry; Open and Peek rewrite the file without the
//     damaged bytes and report them (Recovery.DamagedBytes and
//     DamagedEntries; Peek returns an error wrapping ErrCorrupt with the
//     intact records). Acknowledgements hold offsets, not counts, so a lost
//     record never shifts which records count as delivered.
//   - Order: records come back from Peek in the order they were appended
//     (inherited and adopted records first).
//   - At least once: Ack follows delivery, so a crash between the two
//     delivers those records again (MarkSent before the delivery flags
//     them MaybeDelivered); nothing acknowledged is delivered twice
//     by one process.
//   - Bound: the file never grows beyond Options.MaxBytes (default 64 MiB),
//     acknowledgements included. Append adds what fits and returns ErrFull
//     for the rest: the caller counts those as lost; a record is never
//     dropped silently.
//   - Decoding never trusts the file: DecodeRecord checks every length and
//     count against the bytes left and bounds nesting (MaxDepth), so a
//     corrupt entry that passed its checksum still cannot crash a process.
//
// Unix only: without flock(2) (Windows, Plan 9, js/wasm) Open fails with an
// error wrapping errors.ErrUnsupported that says so; the package still builds.
package spool
