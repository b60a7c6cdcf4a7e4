//! Serializes the model back to playlist text; `parse(write(p)) == p` for every parsed `p`.
//!
//! Byte ranges are written with explicit offsets, keys and maps only where they change,
//! numbers in the shortest form that reads back to the same value.

use std::fmt::Write as _;
use std::sync::Arc;

use super::model::*;

/// Writes `playlist` as playlist text (LF line endings, final newline).
///
/// Strings are written as stored: a value holding `"` or a line break cannot be represented
/// and is the caller's mistake.
pub fn write_playlist(playlist: &Playlist) -> String {
    match playlist {
        Playlist::Multivariant(m) => write_multivariant(m),
        Playlist::Media(m) => write_media(m),
    }
}

/// Appends `,NAME="value"` (or `NAME="value"` first in the list).
struct AttrWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> AttrWriter<'a> {
    fn new(out: &'a mut String, tag: &str) -> Self {
        out.push('#');
        out.push_str(tag);
        out.push(':');
        Self { out, first: true }
    }

    fn name(&mut self, name: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push_str(name);
        self.out.push('=');
    }

    /// A quoted-string attribute. A value holding `"` (only an unquoted value in the
    /// source can) is written unquoted, as it was read.
    fn quoted(&mut self, name: &str, value: &str) -> &mut Self {
        if value.contains('"') {
            return self.raw(name, value);
        }
        self.name(name);
        self.out.push('"');
        self.out.push_str(value);
        self.out.push('"');
        self
    }

    /// An enumerated-string attribute, written unquoted unless it holds a comma or edge
    /// whitespace (only a quoted value in the source can), which would not read back.
    fn enumerated(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) if v.contains(',') || v.trim() != v => self.quoted(name, v),
            Some(v) => self.raw(name, v),
            None => self,
        }
    }

    fn opt_quoted(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.quoted(name, v);
        }
        self
    }

    fn raw(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        self.name(name);
        let _ = write!(self.out, "{value}");
        self
    }

    fn opt_raw(&mut self, name: &str, value: Option<impl std::fmt::Display>) -> &mut Self {
        if let Some(v) = value {
            self.raw(name, v);
        }
        self
    }

    fn flag(&mut self, name: &str, on: bool) -> &mut Self {
        if on {
            self.raw(name, "YES");
        }
        self
    }

    fn others(&mut self, others: &[(String, String)]) -> &mut Self {
        for (name, value) in others {
            self.raw(name, value);
        }
        self
    }

    fn end(&mut self) {
        self.out.push('\n');
    }
}

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

fn tag_value(out: &mut String, tag: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "#{tag}:{value}");
}

fn write_common(out: &mut String, version: Option<u64>, independent: bool, start: Option<Start>) {
    line(out, "#EXTM3U");
    if let Some(v) = version {
        tag_value(out, "EXT-X-VERSION", v);
    }
    if independent {
        line(out, "#EXT-X-INDEPENDENT-SEGMENTS");
    }
    if let Some(s) = start {
        AttrWriter::new(out, "EXT-X-START")
            .raw("TIME-OFFSET", s.time_offset)
            .flag("PRECISE", s.precise)
            .end();
    }
}

fn write_defines(out: &mut String, defines: &[Define]) {
    for d in defines {
        let mut w = AttrWriter::new(out, "EXT-X-DEFINE");
        match d {
            Define::Value { name, value } => w.quoted("NAME", name).quoted("VALUE", value),
            Define::Import { name, .. } => w.quoted("IMPORT", name),
            Define::QueryParam { name, .. } => w.quoted("QUERYPARAM", name),
        }
        .end();
    }
}

fn write_key(out: &mut String, tag: &str, key: Option<&Key>) {
    let mut w = AttrWriter::new(out, tag);
    let Some(k) = key else {
        w.raw("METHOD", "NONE").end();
        return;
    };
    w.raw("METHOD", k.method.as_str())
        .opt_quoted("URI", k.uri.as_deref());
    if let Some(iv) = k.iv {
        w.name("IV");
        w.out.push_str("0x");
        for b in iv {
            let _ = write!(w.out, "{b:02x}");
        }
    }
    w.opt_quoted("KEYFORMAT", k.keyformat.as_deref())
        .opt_quoted("KEYFORMATVERSIONS", k.keyformat_versions.as_deref())
        .end();
}

fn write_multivariant(m: &MultivariantPlaylist) -> String {
    let mut out = String::with_capacity(256 * (m.variants.len() + m.renditions.len() + 1));
    write_common(&mut out, m.version, m.independent_segments, m.start);
    write_defines(&mut out, &m.defines);
    for d in &m.session_data {
        AttrWriter::new(&mut out, "EXT-X-SESSION-DATA")
            .quoted("DATA-ID", &d.data_id)
            .opt_quoted("VALUE", d.value.as_deref())
            .opt_quoted("URI", d.uri.as_deref())
            .enumerated("FORMAT", d.format.as_deref())
            .opt_quoted("LANGUAGE", d.language.as_deref())
            .end();
    }
    for k in &m.session_keys {
        write_key(&mut out, "EXT-X-SESSION-KEY", Some(k));
    }
    if let Some(c) = &m.content_steering {
        AttrWriter::new(&mut out, "EXT-X-CONTENT-STEERING")
            .quoted("SERVER-URI", &c.server_uri)
            .opt_quoted("PATHWAY-ID", c.pathway_id.as_deref())
            .end();
    }
    for t in &m.unknown_tags {
        line(&mut out, t);
    }
    for r in &m.renditions {
        AttrWriter::new(&mut out, "EXT-X-MEDIA")
            .raw("TYPE", r.media_type.as_str())
            .quoted("GROUP-ID", &r.group_id)
            .quoted("NAME", &r.name)
            .opt_quoted("LANGUAGE", r.language.as_deref())
            .opt_quoted("ASSOC-LANGUAGE", r.assoc_language.as_deref())
            .opt_quoted("URI", r.uri.as_deref())
            .flag("DEFAULT", r.default)
            .flag("AUTOSELECT", r.autoselect)
            .flag("FORCED", r.forced)
            .opt_quoted("INSTREAM-ID", r.instream_id.as_deref())
            .opt_raw("BIT-DEPTH", r.bit_depth)
            .opt_raw("SAMPLE-RATE", r.sample_rate)
            .opt_quoted("CHARACTERISTICS", r.characteristics.as_deref())
            .opt_quoted("CHANNELS", r.channels.as_deref())
            .opt_quoted("STABLE-RENDITION-ID", r.stable_rendition_id.as_deref())
            .others(&r.other_attributes)
            .end();
    }
    for v in &m.variants {
        write_variant(&mut out, "EXT-X-STREAM-INF", v);
        line(&mut out, &v.uri);
    }
    for v in &m.i_frame_variants {
        write_variant(&mut out, "EXT-X-I-FRAME-STREAM-INF", v);
    }
    out
}

fn write_variant(out: &mut String, tag: &str, v: &Variant) {
    let mut w = AttrWriter::new(out, tag);
    w.raw("BANDWIDTH", v.bandwidth)
        .opt_raw("AVERAGE-BANDWIDTH", v.average_bandwidth)
        .opt_quoted("CODECS", v.codecs.as_deref())
        .opt_quoted("SUPPLEMENTAL-CODECS", v.supplemental_codecs.as_deref());
    if let Some(r) = v.resolution {
        w.name("RESOLUTION");
        let _ = write!(w.out, "{}x{}", r.width, r.height);
    }
    w.opt_raw("FRAME-RATE", v.frame_rate)
        .enumerated("HDCP-LEVEL", v.hdcp_level.as_deref())
        .enumerated("VIDEO-RANGE", v.video_range.as_deref())
        .opt_quoted("ALLOWED-CPC", v.allowed_cpc.as_deref())
        .opt_quoted("AUDIO", v.audio.as_deref())
        .opt_quoted("VIDEO", v.video.as_deref())
        .opt_quoted("SUBTITLES", v.subtitles.as_deref());
    match &v.closed_captions {
        Some(ClosedCaptions::None) => {
            w.raw("CLOSED-CAPTIONS", "NONE");
        }
        Some(ClosedCaptions::Group(g)) => {
            w.quoted("CLOSED-CAPTIONS", g);
        }
        None => {}
    }
    w.opt_quoted("STABLE-VARIANT-ID", v.stable_variant_id.as_deref())
        .opt_quoted("PATHWAY-ID", v.pathway_id.as_deref())
        .opt_raw("SCORE", v.score);
    if tag == "EXT-X-I-FRAME-STREAM-INF" {
        w.quoted("URI", &v.uri);
    }
    w.others(&v.other_attributes).end();
}

fn write_range(out: &mut String, r: ByteRange) {
    let _ = write!(out, "{}@{}", r.length, r.offset);
}

fn write_media(m: &MediaPlaylist) -> String {
    let mut out = String::with_capacity(96 * (m.segments.len() + 4));
    write_common(&mut out, m.version, m.independent_segments, m.start);
    let _ = writeln!(out, "#EXT-X-TARGETDURATION:{}", m.target_duration);
    if m.media_sequence != 0 {
        tag_value(&mut out, "EXT-X-MEDIA-SEQUENCE", m.media_sequence);
    }
    if m.discontinuity_sequence != 0 {
        tag_value(
            &mut out,
            "EXT-X-DISCONTINUITY-SEQUENCE",
            m.discontinuity_sequence,
        );
    }
    match m.playlist_type {
        Some(PlaylistType::Vod) => line(&mut out, "#EXT-X-PLAYLIST-TYPE:VOD"),
        Some(PlaylistType::Event) => line(&mut out, "#EXT-X-PLAYLIST-TYPE:EVENT"),
        None => {}
    }
    if m.i_frames_only {
        line(&mut out, "#EXT-X-I-FRAMES-ONLY");
    }
    if let Some(s) = m.server_control {
        AttrWriter::new(&mut out, "EXT-X-SERVER-CONTROL")
            .opt_raw("CAN-SKIP-UNTIL", s.can_skip_until)
            .flag("CAN-SKIP-DATERANGES", s.can_skip_dateranges)
            .opt_raw("HOLD-BACK", s.hold_back)
            .opt_raw("PART-HOLD-BACK", s.part_hold_back)
            .flag("CAN-BLOCK-RELOAD", s.can_block_reload)
            .end();
    }
    if let Some(t) = m.part_target {
        AttrWriter::new(&mut out, "EXT-X-PART-INF")
            .raw("PART-TARGET", t)
            .end();
    }
    write_defines(&mut out, &m.defines);
    if let Some(s) = &m.skip {
        let mut w = AttrWriter::new(&mut out, "EXT-X-SKIP");
        w.raw("SKIPPED-SEGMENTS", s.skipped_segments);
        if !s.recently_removed_dateranges.is_empty() {
            w.quoted(
                "RECENTLY-REMOVED-DATERANGES",
                &s.recently_removed_dateranges.join("\t"),
            );
        }
        w.end();
    }
    for d in &m.date_ranges {
        write_date_range(&mut out, d);
    }
    let mut key: Option<&Arc<Key>> = None;
    let mut keys: Option<&Arc<[Key]>> = None;
    let mut map: Option<&Arc<Map>> = None;
    let mut bitrate = None;
    for s in &m.segments {
        for t in &s.unknown_tags {
            line(&mut out, t);
        }
        if s.discontinuity {
            line(&mut out, "#EXT-X-DISCONTINUITY");
        }
        if !same_keys(key, keys, s.key.as_ref(), s.keys.as_ref()) {
            // A new key only replaces the one of the same KEYFORMAT: reset the set first
            // unless it is a single key replacing a single key of the same format.
            let replaces = match (key, &s.key) {
                (Some(old), Some(new)) => {
                    keys.is_none() && s.keys.is_none() && format_class(old) == format_class(new)
                }
                (None, _) => true,
                (Some(_), None) => false,
            };
            if !replaces {
                write_key(&mut out, "EXT-X-KEY", None);
            }
            match &s.keys {
                Some(all) => all
                    .iter()
                    .for_each(|k| write_key(&mut out, "EXT-X-KEY", Some(k))),
                None => {
                    if let Some(k) = &s.key {
                        write_key(&mut out, "EXT-X-KEY", Some(k));
                    }
                }
            }
            key = s.key.as_ref();
            keys = s.keys.as_ref();
        }
        if !same(map, s.map.as_ref()) {
            if let Some(mp) = &s.map {
                let mut w = AttrWriter::new(&mut out, "EXT-X-MAP");
                w.quoted("URI", &mp.uri);
                if let Some(r) = mp.byte_range {
                    w.name("BYTERANGE");
                    w.out.push('"');
                    write_range(w.out, r);
                    w.out.push('"');
                }
                w.end();
            }
            map = s.map.as_ref();
        }
        if s.bitrate != bitrate {
            if let Some(b) = s.bitrate {
                tag_value(&mut out, "EXT-X-BITRATE", b);
            }
            bitrate = s.bitrate;
        }
        if let Some(p) = &s.program_date_time {
            tag_value(&mut out, "EXT-X-PROGRAM-DATE-TIME", p);
        }
        if s.gap {
            line(&mut out, "#EXT-X-GAP");
        }
        for p in &s.parts {
            write_part(&mut out, p);
        }
        let _ = write!(out, "#EXTINF:{},", s.duration);
        if let Some(t) = &s.title {
            out.push_str(t);
        }
        out.push('\n');
        if let Some(r) = s.byte_range {
            out.push_str("#EXT-X-BYTERANGE:");
            write_range(&mut out, r);
            out.push('\n');
        }
        line(&mut out, &s.uri);
    }
    for p in &m.trailing_parts {
        write_part(&mut out, p);
    }
    for h in &m.preload_hints {
        AttrWriter::new(&mut out, "EXT-X-PRELOAD-HINT")
            .raw(
                "TYPE",
                match h.hint_type {
                    PreloadHintType::Part => "PART",
                    PreloadHintType::Map => "MAP",
                },
            )
            .quoted("URI", &h.uri)
            .opt_raw("BYTERANGE-START", h.byterange_start)
            .opt_raw("BYTERANGE-LENGTH", h.byterange_length)
            .end();
    }
    for r in &m.rendition_reports {
        AttrWriter::new(&mut out, "EXT-X-RENDITION-REPORT")
            .quoted("URI", &r.uri)
            .opt_raw("LAST-MSN", r.last_msn)
            .opt_raw("LAST-PART", r.last_part)
            .end();
    }
    for t in &m.trailing_unknown_tags {
        line(&mut out, t);
    }
    if m.end_list {
        line(&mut out, "#EXT-X-ENDLIST");
    }
    out
}

/// Pointer equality first (the parser shares one `Arc` per tag), then value equality.
fn same<T: PartialEq + ?Sized>(a: Option<&Arc<T>>, b: Option<&Arc<T>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
        _ => false,
    }
}

fn same_keys(
    key: Option<&Arc<Key>>,
    keys: Option<&Arc<[Key]>>,
    new_key: Option<&Arc<Key>>,
    new_keys: Option<&Arc<[Key]>>,
) -> bool {
    same(key, new_key) && same(keys, new_keys)
}

/// KEYFORMAT with "identity" and absent counted as the same format.
fn format_class(k: &Key) -> Option<&str> {
    k.keyformat.as_deref().filter(|f| *f != "identity")
}

fn write_part(out: &mut String, p: &Part) {
    let mut w = AttrWriter::new(out, "EXT-X-PART");
    w.raw("DURATION", p.duration).quoted("URI", &p.uri);
    w.flag("INDEPENDENT", p.independent);
    if let Some(r) = p.byte_range {
        w.name("BYTERANGE");
        w.out.push('"');
        write_range(w.out, r);
        w.out.push('"');
    }
    w.flag("GAP", p.gap).end();
}

fn write_date_range(out: &mut String, d: &DateRange) {
    let mut w = AttrWriter::new(out, "EXT-X-DATERANGE");
    w.quoted("ID", &d.id)
        .opt_quoted("CLASS", d.class.as_deref())
        .opt_quoted("START-DATE", d.start_date.as_deref())
        .opt_quoted("CUE", d.cue.as_deref())
        .opt_quoted("END-DATE", d.end_date.as_deref())
        .opt_raw("DURATION", d.duration)
        .opt_raw("PLANNED-DURATION", d.planned_duration)
        .enumerated("SCTE35-CMD", d.scte35_cmd.as_deref())
        .enumerated("SCTE35-OUT", d.scte35_out.as_deref())
        .enumerated("SCTE35-IN", d.scte35_in.as_deref())
        .flag("END-ON-NEXT", d.end_on_next);
    for (name, value) in &d.client_attributes {
        match value {
            AttributeValue::String(s) => w.quoted(name, s),
            AttributeValue::Hex(s) | AttributeValue::Number(s) => w.enumerated(name, Some(s)),
        };
    }
    w.end();
}
