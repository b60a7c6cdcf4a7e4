//! Readers of the tags playback does not use (date ranges, session data, content steering,
//! LL-HLS parts, server control, skips, preload hints, rendition reports): compiled with the
//! `playlist-metadata` feature, which the server and tools enable. Without it (the wasm)
//! these tags are kept as unknown lines.

use super::*;

pub(super) fn session_data(ctx: &Ctx<'_>, list: &str) -> Res<SessionData> {
    let tag = "EXT-X-SESSION-DATA";
    let mut data_id = None;
    let mut d = SessionData {
        data_id: String::new(),
        value: None,
        uri: None,
        url: None,
        format: None,
        language: None,
    };
    let names = [
        Field::DataId,
        Field::Value,
        Field::Uri,
        Field::Format,
        Field::Language,
    ];
    ctx.attrs(tag, list, &names, &mut |name, _, value, _| {
        match name {
            Some(Field::DataId) => set(&mut data_id, value),
            Some(Field::Value) => set(&mut d.value, value),
            Some(Field::Uri) => {
                d.url = Some(ctx.resolve(tag, value)?);
                set(&mut d.uri, value);
            }
            Some(Field::Format) => set(&mut d.format, value),
            Some(Field::Language) => set(&mut d.language, value),
            _ => {}
        }
        Ok(())
    })?;
    d.data_id = data_id.ok_or_else(|| ctx.err(tag, "DATA-ID is missing"))?;
    Ok(d)
}

pub(super) fn content_steering(ctx: &Ctx<'_>, list: &str) -> Res<ContentSteering> {
    let tag = "EXT-X-CONTENT-STEERING";
    let mut server = None;
    let mut pathway_id = None;
    let names = [Field::ServerUri, Field::PathwayId];
    ctx.attrs(tag, list, &names, &mut |name, _, value, _| {
        match name {
            Some(Field::ServerUri) => set(&mut server, value),
            Some(Field::PathwayId) => set(&mut pathway_id, value),
            _ => {}
        }
        Ok(())
    })?;
    let server_uri = server.ok_or_else(|| ctx.err(tag, "SERVER-URI is missing"))?;
    Ok(ContentSteering {
        server_url: ctx.resolve(tag, &server_uri)?,
        server_uri,
        pathway_id,
    })
}

pub(super) fn parse_part(ctx: &Ctx<'_>, list: &str, previous: &mut Option<RangeEnd>) -> Res<Part> {
    let tag = "EXT-X-PART";
    let mut uri = None;
    let mut duration = None;
    let mut independent = false;
    let mut gap = false;
    let mut range = None;
    let names = [
        Field::Duration,
        Field::Uri,
        Field::Independent,
        Field::ByteRange,
        Field::Gap,
    ];
    ctx.attrs(tag, list, &names, &mut |name, _, value, _| {
        match name {
            Some(Field::Uri) => set(&mut uri, value),
            Some(Field::Duration) => duration = Some(ctx.float(tag, value)?),
            Some(Field::Independent) => independent = value == "YES",
            Some(Field::Gap) => gap = value == "YES",
            Some(Field::ByteRange) => range = Some(ctx.byte_range_spec(tag, value)?),
            _ => {}
        }
        Ok(())
    })?;
    let uri = uri.ok_or_else(|| ctx.err(tag, "URI is missing"))?;
    let byte_range = match range {
        Some(spec) => Some(byte_range(ctx, tag, spec, &uri, previous)?),
        None => None,
    };
    Ok(Part {
        url: ctx.resolve(tag, &uri)?,
        uri,
        duration: duration.ok_or_else(|| ctx.err(tag, "DURATION is missing"))?,
        independent,
        byte_range,
        gap,
    })
}

pub(super) fn date_range(ctx: &Ctx<'_>, list: &str) -> Res<DateRange> {
    const NAMES: [Field; 11] = [
        Field::Id,
        Field::Class,
        Field::StartDate,
        Field::Cue,
        Field::EndDate,
        Field::Duration,
        Field::PlannedDuration,
        Field::Scte35Cmd,
        Field::Scte35Out,
        Field::Scte35In,
        Field::EndOnNext,
    ];
    let tag = "EXT-X-DATERANGE";
    let mut id = None;
    let mut d = DateRange {
        id: String::new(),
        class: None,
        start_date: None,
        cue: None,
        end_date: None,
        duration: None,
        planned_duration: None,
        scte35_cmd: None,
        scte35_out: None,
        scte35_in: None,
        end_on_next: false,
        client_attributes: Vec::new(),
    };
    ctx.attrs(tag, list, &NAMES, &mut |name, raw, value, quoted| {
        match name {
            Some(Field::Id) => set(&mut id, value),
            Some(Field::Class) => set(&mut d.class, value),
            Some(Field::StartDate) => set(&mut d.start_date, value),
            Some(Field::Cue) => set(&mut d.cue, value),
            Some(Field::EndDate) => set(&mut d.end_date, value),
            Some(Field::Duration) => d.duration = Some(ctx.float(tag, value)?),
            Some(Field::PlannedDuration) => d.planned_duration = Some(ctx.float(tag, value)?),
            Some(Field::Scte35Cmd) => set(&mut d.scte35_cmd, value),
            Some(Field::Scte35Out) => set(&mut d.scte35_out, value),
            Some(Field::Scte35In) => set(&mut d.scte35_in, value),
            Some(Field::EndOnNext) => d.end_on_next = value == "YES",
            None if raw.starts_with("X-") => {
                let v = if quoted {
                    AttributeValue::String(value.to_owned())
                } else if value.starts_with("0x") || value.starts_with("0X") {
                    AttributeValue::Hex(value.to_owned())
                } else {
                    ctx.float(tag, value)?;
                    AttributeValue::Number(value.to_owned())
                };
                d.client_attributes.push((raw.to_owned(), v));
            }
            _ => {}
        }
        Ok(())
    })?;
    d.id = id.ok_or_else(|| ctx.err(tag, "ID is missing"))?;
    Ok(d)
}

pub(super) fn server_control(ctx: &Ctx<'_>, list: &str) -> Res<ServerControl> {
    let tag = "EXT-X-SERVER-CONTROL";
    let mut s = ServerControl::default();
    let names = [
        Field::CanSkipUntil,
        Field::CanSkipDateRanges,
        Field::HoldBack,
        Field::PartHoldBack,
        Field::CanBlockReload,
    ];
    ctx.attrs(tag, list, &names, &mut |name, _, value, _| {
        match name {
            Some(Field::CanSkipUntil) => s.can_skip_until = Some(ctx.float(tag, value)?),
            Some(Field::CanSkipDateRanges) => s.can_skip_dateranges = value == "YES",
            Some(Field::HoldBack) => s.hold_back = Some(ctx.float(tag, value)?),
            Some(Field::PartHoldBack) => s.part_hold_back = Some(ctx.float(tag, value)?),
            Some(Field::CanBlockReload) => s.can_block_reload = value == "YES",
            _ => {}
        }
        Ok(())
    })?;
    Ok(s)
}

pub(super) fn part_inf(ctx: &Ctx<'_>, list: &str) -> Res<f64> {
    let tag = "EXT-X-PART-INF";
    let mut target = None;
    ctx.attrs(tag, list, &[Field::PartTarget], &mut |name, _, value, _| {
        // The first PART-TARGET counts.
        if name.is_some() && target.is_none() {
            target = Some(ctx.float(tag, value)?);
        }
        Ok(())
    })?;
    target.ok_or_else(|| ctx.err(tag, "PART-TARGET is missing"))
}

pub(super) fn skip(ctx: &Ctx<'_>, list: &str) -> Res<Skip> {
    let tag = "EXT-X-SKIP";
    let mut count = None;
    let mut removed = Vec::new();
    let names = [Field::SkippedSegments, Field::RecentlyRemovedDateRanges];
    ctx.attrs(tag, list, &names, &mut |name, _, value, _| {
        match name {
            Some(Field::SkippedSegments) => count = Some(ctx.uint(tag, value)?),
            Some(Field::RecentlyRemovedDateRanges) => {
                removed = value
                    .split('\t')
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(Skip {
        skipped_segments: count.ok_or_else(|| ctx.err(tag, "SKIPPED-SEGMENTS is missing"))?,
        recently_removed_dateranges: removed,
    })
}

pub(super) fn preload_hint(ctx: &Ctx<'_>, list: &str) -> Res<PreloadHint> {
    const TYPES: [(&str, PreloadHintType); 2] = [
        ("PART", PreloadHintType::Part),
        ("MAP", PreloadHintType::Map),
    ];
    let tag = "EXT-X-PRELOAD-HINT";
    let mut hint_type = None;
    let mut uri = None;
    let mut byterange_start = None;
    let mut byterange_length = None;
    let names = [
        Field::Type,
        Field::Uri,
        Field::ByteRangeStart,
        Field::ByteRangeLength,
    ];
    ctx.attrs(tag, list, &names, &mut |name, _, value, _| {
        match name {
            Some(Field::Type) => {
                hint_type = Some(
                    pick(&TYPES, value)
                        .ok_or_else(|| ctx.err_quoted(tag, "unknown TYPE ", value, ""))?,
                );
            }
            Some(Field::Uri) => set(&mut uri, value),
            Some(Field::ByteRangeStart) => byterange_start = Some(ctx.uint(tag, value)?),
            Some(Field::ByteRangeLength) => byterange_length = Some(ctx.uint(tag, value)?),
            _ => {}
        }
        Ok(())
    })?;
    let uri = uri.ok_or_else(|| ctx.err(tag, "URI is missing"))?;
    Ok(PreloadHint {
        hint_type: hint_type.ok_or_else(|| ctx.err(tag, "TYPE is missing"))?,
        url: ctx.resolve(tag, &uri)?,
        uri,
        byterange_start,
        byterange_length,
    })
}

pub(super) fn rendition_report(ctx: &Ctx<'_>, list: &str) -> Res<RenditionReport> {
    let tag = "EXT-X-RENDITION-REPORT";
    let mut uri = None;
    let mut last_msn = None;
    let mut last_part = None;
    let names = [Field::Uri, Field::LastMsn, Field::LastPart];
    ctx.attrs(tag, list, &names, &mut |name, _, value, _| {
        match name {
            Some(Field::Uri) => set(&mut uri, value),
            Some(Field::LastMsn) => last_msn = Some(ctx.uint(tag, value)?),
            Some(Field::LastPart) => last_part = Some(ctx.uint(tag, value)?),
            _ => {}
        }
        Ok(())
    })?;
    let uri = uri.ok_or_else(|| ctx.err(tag, "URI is missing"))?;
    Ok(RenditionReport {
        url: ctx.resolve(tag, &uri)?,
        uri,
        last_msn,
        last_part,
    })
}
