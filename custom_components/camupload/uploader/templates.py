"""MOBOTIX-style `$(GROUP.NAME)` variables in directory and file names.

Names are case-insensitive. Every variable has a short and a long spelling, as on MOBOTIX
cameras (`$(FPR.ENO)` and `$(FINGERPRINT.EVENTNUMBER)`).
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .errors import TemplateError
from .model import RemoteFile, UploadProfile

EVENT_NUMBER_DIGITS = 6
MAX_COMPONENT_LENGTH = 255  # what common file systems allow in one name
DEFAULT_INSTALLATION_ID = "camupload"

_VARIABLE = re.compile(r"\$\(([^()]*)\)")
# Characters FTP servers or their file systems reject (Windows/IIS is the strictest).
_REJECTED = re.compile(r'[\x00-\x1f\x7f\\:*?"<>|]')
_DOT_RUN = re.compile(r"\.{2,}")


@dataclass(frozen=True, kw_only=True)
class NamingContext:
    """What a name is made of: the camera, the moment, the frame and the event."""

    camera_name: str
    when: datetime
    installation_id: str = DEFAULT_INSTALLATION_ID
    frame: int = 0
    event: int = 0
    profile_name: str = ""
    profile_number: int = 1


def _ftp_dir(ctx: NamingContext) -> str:
    return f"{ctx.camera_name}/{ctx.when:%Y/%m/%d/%H}"


def _ftp_file(ctx: NamingContext) -> str:
    return f"m{ctx.when:%y%m%d%H%M%S}{ctx.when.microsecond // 1000:03d}"


_Getter = Callable[[NamingContext], str]

# One entry per variable: its spellings and how to compute it.
_VARIABLES: tuple[tuple[tuple[str, ...], _Getter], ...] = (
    (("TEXT.FTPDIR",), _ftp_dir),
    (("TEXT.FTPFILE",), _ftp_file),
    (("ID.NAM", "IDENTIFICATION.NAME"), lambda c: c.camera_name),
    (("ID.SER", "IDENTIFICATION.SERIAL"), lambda c: c.installation_id),
    (("FPR.FRM", "FINGERPRINT.FRAME"), lambda c: str(c.frame)),
    (
        ("FPR.ENO", "FINGERPRINT.EVENTNUMBER"),
        lambda c: f"{c.event:0{EVENT_NUMBER_DIGITS}d}",
    ),
    (("PRF.NAM", "PROFILE.NAME"), lambda c: c.profile_name),
    (("PRF.NUM", "PROFILE.NUMBER"), lambda c: str(c.profile_number)),
    (("SYS.DATE",), lambda c: f"{c.when:%Y-%m-%d}"),
    (("SYS.TIME",), lambda c: f"{c.when:%H:%M:%S}"),
    (("TMS.YEAR", "TIMESTAMP.YEAR"), lambda c: f"{c.when:%Y}"),
    (("TMS.YY", "TIMESTAMP.YEAR2"), lambda c: f"{c.when:%y}"),
    (("TMS.MON", "TIMESTAMP.MONTH"), lambda c: f"{c.when:%m}"),
    (("TMS.DAY", "TIMESTAMP.DAY"), lambda c: f"{c.when:%d}"),
    (("TMS.HOUR", "TIMESTAMP.HOUR"), lambda c: f"{c.when:%H}"),
    (("TMS.MIN", "TIMESTAMP.MINUTE"), lambda c: f"{c.when:%M}"),
    (("TMS.SEC", "TIMESTAMP.SECOND"), lambda c: f"{c.when:%S}"),
    (("TMS.MSEC", "TIMESTAMP.MILLISECOND"), lambda c: f"{c.when.microsecond // 1000:03d}"),
)
_GETTERS: dict[str, _Getter] = {name: getter for names, getter in _VARIABLES for name in names}

VARIABLE_NAMES: tuple[str, ...] = tuple(_GETTERS)


def variables_in(template: str) -> list[str]:
    """Return the variable names a template uses, upper-cased, in order."""
    return [match.group(1).strip().upper() for match in _VARIABLE.finditer(template)]


def validate_template(template: str, *, extra_names: Iterable[str] = ()) -> None:
    """Raise TemplateError naming the first unknown or malformed variable.

    Args:
        template: a directory or file name template.
        extra_names: names of additional variables the caller will supply.
    """
    known = set(_GETTERS) | {name.upper() for name in extra_names}
    for name in variables_in(template):
        if name not in known:
            msg = f"Unknown variable $({name})"
            raise TemplateError(msg, variable=name)
    leftover = _VARIABLE.sub("", template)
    if "$(" in leftover:
        msg = "A variable is not closed: '$(' without ')'"
        raise TemplateError(msg, variable=None)


def render(template: str, context: NamingContext, extra: Mapping[str, str] | None = None) -> str:
    """Replace every variable in the template; the result is not yet sanitised."""
    extras = {key.upper(): value for key, value in (extra or {}).items()}
    validate_template(template, extra_names=extras)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip().upper()
        if name in extras:
            return extras[name]
        return _GETTERS[name](context)

    return _VARIABLE.sub(replace, template)


def safe_component(text: str) -> str:
    """Make one path component acceptable to FTP servers: no control or reserved characters."""
    cleaned = _REJECTED.sub("_", text).strip()
    cleaned = _DOT_RUN.sub(".", cleaned)
    if cleaned in {"", "."}:
        return ""
    return cleaned[:MAX_COMPONENT_LENGTH]


def safe_directory(text: str) -> tuple[str, ...]:
    """Split a rendered directory into safe components; empty means the server's root."""
    parts = (safe_component(part) for part in text.replace("\\", "/").split("/"))
    return tuple(part for part in parts if part)


def temporary_name(installation_id: str, profile_number: int) -> str:
    """A temporary name unique per installation and profile, like MOBOTIX's `mx0108e702`."""
    base = safe_component(installation_id.replace("/", "_")) or DEFAULT_INSTALLATION_ID
    return f"{base}{profile_number:02d}.tmp"


def render_destination(
    profile: UploadProfile,
    context: NamingContext,
    extra: Mapping[str, str] | None = None,
) -> RemoteFile:
    """Render a profile's directory and file name into a safe relative destination.

    Args:
        profile: the upload profile (templates and naming options).
        context: camera, time, frame and event the names are made of.
        extra: additional variables, e.g. from the Home Assistant layer, by `GROUP.NAME`.

    Raises:
        TemplateError: an unknown variable, or a file name that renders empty.
    """
    context = NamingContext(
        camera_name=context.camera_name,
        when=context.when,
        installation_id=context.installation_id,
        frame=context.frame,
        event=context.event,
        profile_name=context.profile_name or profile.name,
        profile_number=profile.number,
    )
    directory = safe_directory(render(profile.directory, context, extra))
    if profile.event_directory:
        directory = (*directory, f"E{context.event:0{EVENT_NUMBER_DIGITS}d}")
    name = safe_component(render(profile.file_name, context, extra).replace("/", "_"))
    if not name:
        msg = f"The file name template {profile.file_name!r} renders to an empty name"
        raise TemplateError(msg, variable=None)
    return RemoteFile(
        directory=directory,
        name=name,
        temporary_name=(
            temporary_name(context.installation_id, profile.number)
            if profile.temporary_name
            else None
        ),
        delete_before_rename=profile.delete_before_rename,
    )


def current_destination(
    profile: UploadProfile,
    context: NamingContext,
    extra: Mapping[str, str] | None = None,
) -> str:
    """Preview the path the next upload would get, as MOBOTIX's "Current Destination"."""
    return render_destination(profile, context, extra).path
