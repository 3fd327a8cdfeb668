//! OLE compound files (xls, and the encrypted Office files wrapped in OLE): the
//! directory read before calamine opens the file, and the xls workbook stream.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Reads an OLE compound file's directory and says whether it is an xls workbook, or why
/// it will not be read (an encrypted Office file, something that is no workbook, a file
/// whose directory cannot be followed). An Office program's file always can be; calamine
/// reads a damaged one more leniently (a sector cut short, a sector past the end), and
/// followed such a directory around a loop until memory ran out (found by fuzzing).
pub fn ole_workbook(path: &Path) -> io::Result<Result<Kind, Refusal>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let names = match ole_names(&mut file, len) {
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(Err(e.to_string())),
        names => names?,
    };
    let Some(names) = names else {
        return Ok(Err(DAMAGED_DIRECTORY.to_string()));
    };
    let has = |wanted: &str| names.iter().any(|n| n.eq_ignore_ascii_case(wanted));
    Ok(if has("EncryptedPackage") || has("EncryptionInfo") {
        Err(ENCRYPTED.to_string())
    } else if has("Workbook") || has("Book") {
        Ok(Kind::Xls)
    } else if has("WordDocument") {
        Err("the file is a Word document, not a workbook".to_string())
    } else if has("PowerPoint Document") {
        Err("the file is a PowerPoint presentation, not a workbook".to_string())
    } else {
        Err(
            "the file is an OLE compound file (an old Office format) without a workbook in it"
                .to_string(),
        )
    })
}

/// An OLE compound file, read the way calamine reads it: its header, the sectors of its
/// FAT (their entries are read when a chain is followed) and its size in sectors.
struct Ole<'f> {
    file: &'f mut File,
    header: Vec<u8>,
    sector_size: u64,
    /// Whole sectors in the file, after the header.
    sectors: u64,
    /// The sectors that hold the FAT, in order.
    fat_sectors: Vec<u32>,
    /// The last FAT sector read, with its number.
    fat_cache: Option<(u32, Vec<u8>)>,
}

/// One entry of an OLE directory.
struct DirEntry {
    /// The name as calamine compares it: up to the first NUL.
    name: String,
    /// 1 a storage, 2 a stream, 5 the root.
    kind: u8,
    start: u32,
    len: u64,
}

/// Why an OLE file whose directory cannot be followed is not read.
pub const DAMAGED_DIRECTORY: &str = "the file is damaged or cut short (its directory cannot be read): copy, download or export it again";

/// The end of a chain of sectors.
const END: u32 = 0xFFFF_FFFE;

/// Streams shorter than this live in the mini stream, in sectors of 64 bytes.
const MINI_CUTOFF: u64 = 4096;

impl<'f> Ole<'f> {
    /// The header and the FAT's sectors, or `None` when the header makes no sense.
    fn open(file: &'f mut File, len: u64) -> io::Result<Option<Self>> {
        let header = read_at(file, 0, 512)?;
        let (Some(shift), Some(mut difat_sector)) = (u16_at(&header, 0x1E), u32_at(&header, 0x44))
        else {
            return Ok(None);
        };
        let sector_size: u64 = match shift {
            9 => 512,
            12 => 4096,
            _ => return Ok(None),
        };
        let sectors = len / sector_size;
        // The FAT's sectors: 109 in the header, the rest in a chain of DIFAT sectors.
        // Every entry that names a sector, whatever the header's count says, as calamine
        // reads them: a count of 0 hid the FAT from this walk, and calamine then followed
        // a looping directory until memory ran out (found by fuzzing).
        let names_sector = |s: &u32| *s < 0xFFFF_FFFC;
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(&header, 0x4C + 4 * i))
            .filter(names_sector)
            .collect();
        let per_sector = usize::try_from(sector_size / 4).unwrap_or(128);
        let mut hops = 0;
        while u64::from(difat_sector) < sectors {
            hops += 1;
            if hops > sectors {
                return Ok(None);
            }
            let block = read_at(
                file,
                (u64::from(difat_sector) + 1) * sector_size,
                usize::try_from(sector_size).unwrap_or(512),
            )?;
            fat_sectors.extend(
                (0..per_sector - 1)
                    .filter_map(|i| u32_at(&block, 4 * i))
                    .filter(names_sector),
            );
            difat_sector = u32_at(&block, 4 * (per_sector - 1)).unwrap_or(END);
        }
        Ok(Some(Ole {
            file,
            header,
            sector_size,
            sectors,
            fat_sectors,
            fat_cache: None,
        }))
    }

    fn offset(&self, sector: u32) -> u64 {
        (u64::from(sector) + 1) * self.sector_size
    }

    /// The sector after `sector` in its chain, `None` when the FAT does not say.
    fn next(&mut self, sector: u32) -> io::Result<Option<u32>> {
        let per_sector = usize::try_from(self.sector_size / 4).unwrap_or(128);
        let index = usize::try_from(sector).unwrap_or(usize::MAX);
        let Some(&fat_sector) = self.fat_sectors.get(index / per_sector) else {
            return Ok(None);
        };
        if u64::from(fat_sector) >= self.sectors {
            return Ok(None);
        }
        if self
            .fat_cache
            .as_ref()
            .is_none_or(|(s, _)| *s != fat_sector)
        {
            let block = read_at(
                self.file,
                self.offset(fat_sector),
                usize::try_from(self.sector_size).unwrap_or(512),
            )?;
            self.fat_cache = Some((fat_sector, block));
        }
        let block = &self
            .fat_cache
            .as_ref()
            .map(|(_, b)| b.as_slice())
            .unwrap_or_default();
        Ok(u32_at(block, 4 * (index % per_sector)))
    }

    /// The sectors of the chain from `start`, until its end, a sector past the file or
    /// `max_bytes`. A chain longer than the file has sectors loops: calamine would
    /// follow it until memory runs out, so it is an error naming `what`.
    fn chain(&mut self, start: u32, max_bytes: u64, what: &str) -> io::Result<Vec<u32>> {
        let mut chain = Vec::new();
        let mut sector = start;
        while u64::from(sector) < self.sectors
            && (chain.len() as u64) * self.sector_size < max_bytes
        {
            if chain.len() as u64 >= self.sectors {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the file is damaged: the chain of its {what} sectors loops"),
                ));
            }
            chain.push(sector);
            match self.next(sector)? {
                Some(next) => sector = next,
                None => break,
            }
        }
        Ok(chain)
    }

    /// The directory's entries, `None` when its chain leaves the file.
    fn directory(&mut self) -> io::Result<Option<Vec<DirEntry>>> {
        let Some(mut sector) = u32_at(&self.header, 0x30) else {
            return Ok(None);
        };
        let mut entries = Vec::new();
        let mut hops = 0;
        while sector != END {
            hops += 1;
            if u64::from(sector) >= self.sectors {
                return Ok(None);
            }
            if hops > self.sectors {
                // A directory whose chain of sectors loops: calamine would follow it
                // until memory runs out (found by fuzzing).
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the file is damaged: the chain of its directory's sectors loops",
                ));
            }
            let block = read_at(
                self.file,
                self.offset(sector),
                usize::try_from(self.sector_size).unwrap_or(512),
            )?;
            for entry in block.chunks_exact(128) {
                let units: Vec<u16> = entry[..64]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .take_while(|u| *u != 0)
                    .collect();
                let len = if self.sector_size == 512 {
                    u32_at(entry, 120).map(u64::from)
                } else {
                    u64_at(entry, 120)
                };
                entries.push(DirEntry {
                    name: String::from_utf16_lossy(&units),
                    kind: entry[0x42],
                    start: u32_at(entry, 116).unwrap_or(END),
                    len: len.unwrap_or(0),
                });
            }
            let Some(next) = self.next(sector)? else {
                return Ok(None);
            };
            sector = next;
        }
        Ok(Some(entries))
    }

    /// The bytes of the chain `sectors` (of `size` bytes each, at `place`), up to `len`.
    fn gather(
        &mut self,
        sectors: &[u32],
        size: u64,
        len: u64,
        place: impl Fn(u32) -> Option<u64>,
    ) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        for &s in sectors {
            let Some(at) = place(s) else { break };
            let want = size.min(len - bytes.len() as u64);
            let block = read_at(self.file, at, usize::try_from(want).unwrap_or(0))?;
            let short = (block.len() as u64) < want;
            bytes.extend_from_slice(&block);
            if short || bytes.len() as u64 >= len {
                break;
            }
        }
        Ok(bytes)
    }

    /// The bytes of a stream, from the file's sectors or, when short, the mini stream.
    /// The chains calamine follows on opening are all walked: the mini stream's and the
    /// mini FAT's whenever the header counts mini FAT sectors, then the stream's.
    fn stream(&mut self, entry: &DirEntry, root: &DirEntry) -> io::Result<Vec<u8>> {
        let size = self.sector_size;
        let mini_fat_start = u32_at(&self.header, 0x3C).unwrap_or(END);
        let mini_fat_sectors = u32_at(&self.header, 0x40).unwrap_or(0);
        let mut mini = None;
        if mini_fat_sectors > 0 {
            let stream = self.chain(root.start, root.len, "mini stream's")?;
            let fat = self.chain(
                mini_fat_start,
                u64::from(mini_fat_sectors) * size,
                "mini FAT's",
            )?;
            mini = Some((stream, fat));
        }
        if entry.len >= MINI_CUTOFF {
            let chain = self.chain(entry.start, entry.len, "workbook stream's")?;
            return self.gather(&chain, size, entry.len, |s| Some((u64::from(s) + 1) * size));
        }
        let Some((mini_stream, mini_fat)) = mini else {
            return Ok(Vec::new());
        };
        let mini_fat = self.gather(&mini_fat, size, u64::MAX, |s| {
            Some((u64::from(s) + 1) * size)
        })?;
        // The stream's chain of 64-byte sectors, through the mini FAT; it is shorter than
        // 4096 bytes, so a loop only repeats bytes.
        let per_sector = size / 64;
        let mut chain = Vec::new();
        let mut sector = entry.start;
        while (chain.len() as u64) * 64 < entry.len {
            if u64::from(sector) / per_sector >= mini_stream.len() as u64 {
                break;
            }
            chain.push(sector);
            match u32_at(&mini_fat, 4 * sector as usize) {
                Some(next) => sector = next,
                None => break,
            }
        }
        self.gather(&chain, 64, entry.len, |m| {
            let sector = *mini_stream.get(usize::try_from(u64::from(m) / per_sector).ok()?)?;
            Some((u64::from(sector) + 1) * size + (u64::from(m) % per_sector) * 64)
        })
    }
}

/// The names of the streams and storages of an OLE compound file, or `None` when its
/// directory cannot be followed.
fn ole_names(file: &mut File, len: u64) -> io::Result<Option<Vec<String>>> {
    let Some(mut ole) = Ole::open(file, len)? else {
        return Ok(None);
    };
    Ok(ole.directory()?.map(|entries| {
        entries
            .into_iter()
            .filter(|e| matches!(e.kind, 1 | 2) && !e.name.is_empty())
            .map(|e| e.name)
            .collect()
    }))
}

/// The workbook stream of an xls ("Workbook", or "Book" in Excel 5 files), found as
/// calamine finds it; `None` when the file's directory cannot be followed or has no such
/// stream (calamine then says what it finds). Its size is bounded by the file's: a chain
/// of sectors that loops is an `InvalidData` error.
pub fn xls_stream(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let Some(mut ole) = Ole::open(&mut file, len)? else {
        return Ok(None);
    };
    let Some(entries) = ole.directory()? else {
        return Ok(None);
    };
    let find = |name: &str| entries.iter().find(|e| e.name.eq_ignore_ascii_case(name));
    let (Some(entry), Some(root)) = (find("Workbook").or_else(|| find("Book")), entries.first())
    else {
        return Ok(None);
    };
    ole.stream(entry, root).map(Some)
}
