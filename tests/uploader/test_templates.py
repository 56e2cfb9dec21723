"""Templates: every MOBOTIX variable, case-insensitivity, safety of rendered paths."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.camupload.uploader.errors import TemplateError
from custom_components.camupload.uploader.model import UploadProfile
from custom_components.camupload.uploader.templates import (
    MAX_COMPONENT_LENGTH,
    VARIABLE_NAMES,
    NamingContext,
    current_destination,
    render,
    render_destination,
    validate_template,
)

WHEN = datetime(2025, 1, 2, 3, 4, 5, 6789, tzinfo=UTC)
CONTEXT = NamingContext(
    camera_name="Front Door", when=WHEN, installation_id="mx0108e7", frame=42, event=7
)


def test_default_profile_is_mobotix_layout() -> None:
    """The default profile gives MOBOTIX's directory and file name."""
    remote = render_destination(UploadProfile(), CONTEXT)
    assert remote.directory == ("Front Door", "2025", "01", "02", "03")
    assert remote.name == "m250102030405006.jpg"
    assert remote.temporary_name is None
    assert current_destination(UploadProfile(), CONTEXT) == (
        "Front Door/2025/01/02/03/m250102030405006.jpg"
    )


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("TEXT.FTPDIR", "Front Door/2025/01/02/03"),
        ("TEXT.FTPFILE", "m250102030405006"),
        ("ID.NAM", "Front Door"),
        ("IDENTIFICATION.NAME", "Front Door"),
        ("ID.SER", "mx0108e7"),
        ("IDENTIFICATION.SERIAL", "mx0108e7"),
        ("FPR.FRM", "42"),
        ("FINGERPRINT.FRAME", "42"),
        ("FPR.ENO", "000007"),
        ("FINGERPRINT.EVENTNUMBER", "000007"),
        ("PRF.NAM", "front"),
        ("PROFILE.NAME", "front"),
        ("PRF.NUM", "3"),
        ("PROFILE.NUMBER", "3"),
        ("SYS.DATE", "2025-01-02"),
        ("SYS.TIME", "03:04:05"),
        ("TMS.YEAR", "2025"),
        ("TIMESTAMP.YEAR", "2025"),
        ("TMS.YY", "25"),
        ("TIMESTAMP.YEAR2", "25"),
        ("TMS.MON", "01"),
        ("TIMESTAMP.MONTH", "01"),
        ("TMS.DAY", "02"),
        ("TIMESTAMP.DAY", "02"),
        ("TMS.HOUR", "03"),
        ("TIMESTAMP.HOUR", "03"),
        ("TMS.MIN", "04"),
        ("TIMESTAMP.MINUTE", "04"),
        ("TMS.SEC", "05"),
        ("TIMESTAMP.SECOND", "05"),
        ("TMS.MSEC", "006"),
        ("TIMESTAMP.MILLISECOND", "006"),
    ],
)
def test_every_variable(variable: str, expected: str) -> None:
    """Every variable renders, in upper and lower case."""
    context = NamingContext(
        camera_name="Front Door",
        when=WHEN,
        installation_id="mx0108e7",
        frame=42,
        event=7,
        profile_name="front",
        profile_number=3,
    )
    assert render(f"$({variable})", context) == expected
    assert render(f"$({variable.lower()})", context) == expected


def test_the_parametrised_list_covers_every_variable() -> None:
    """The table above lists every known variable."""
    source = test_every_variable.pytestmark[0].args[1]  # type: ignore[attr-defined]
    assert {name for name, _ in source} == set(VARIABLE_NAMES)


def test_unknown_variable_is_named() -> None:
    """An unknown variable is an error that names it."""
    with pytest.raises(TemplateError, match=r"\$\(TEXT.NOPE\)") as caught:
        validate_template("a/$(text.nope)/b")
    assert caught.value.variable == "TEXT.NOPE"


def test_unclosed_variable() -> None:
    """'$(' without ')' is an error."""
    with pytest.raises(TemplateError, match="not closed"):
        validate_template("a/$(TEXT.FTPDIR")


def test_extra_variables_from_the_caller() -> None:
    """Variables passed in by the caller render, case-insensitively."""
    profile = UploadProfile(directory="$(HA.AREA)/$(id.nam)", file_name="$(ha.Entity).jpg")
    remote = render_destination(profile, CONTEXT, {"ha.area": "Garden", "HA.ENTITY": "cam1"})
    assert remote.path == "Garden/Front Door/cam1.jpg"
    validate_template("$(HA.AREA)", extra_names=["ha.area"])


def test_empty_directory_is_server_root() -> None:
    """An empty directory renders to the server's root."""
    remote = render_destination(UploadProfile(directory="", file_name="x.jpg"), CONTEXT)
    assert remote.directory == ()
    assert remote.path == "x.jpg"


def test_empty_file_name_is_an_error() -> None:
    """A file name that renders empty is an error."""
    with pytest.raises(TemplateError, match="empty name"):
        render_destination(UploadProfile(name="", file_name="$(PRF.NAM)"), CONTEXT)


def test_hostile_names_are_made_safe() -> None:
    """Slashes, dots, control and reserved characters are neutralised."""
    context = NamingContext(camera_name="../../etc\x00/:pass*wd?", when=WHEN)
    profile = UploadProfile(directory="/$(ID.NAM)//x..y/", file_name='a/b<"c">|.jpg')
    remote = render_destination(profile, context)
    assert remote.directory == ("etc_", "_pass_wd_", "x.y")
    assert remote.name == "a_b__c___.jpg"


def test_long_component_is_cut() -> None:
    """A component longer than the limit is cut at the limit."""
    profile = UploadProfile(directory="d" * 300, file_name="f.jpg")
    assert render_destination(profile, CONTEXT).directory == ("d" * MAX_COMPONENT_LENGTH,)


def test_temporary_name_and_event_directory() -> None:
    """The temporary name joins serial and profile number; events get a directory."""
    profile = UploadProfile(
        number=2, temporary_name=True, delete_before_rename=True, event_directory=True
    )
    remote = render_destination(profile, CONTEXT)
    assert remote.temporary_name == "mx0108e702.tmp"
    assert remote.delete_before_rename
    assert remote.directory[-1] == "E000007"


@given(camera=st.text(), directory=st.text(), file_name=st.text(min_size=1))
def test_rendered_paths_are_always_safe(camera: str, directory: str, file_name: str) -> None:
    """No input renders to a leading slash, '..', control or reserved character."""
    directory = directory.replace("$(", "")
    file_name = file_name.replace("$(", "") + "x"
    context = NamingContext(camera_name=camera, when=WHEN)
    profile = UploadProfile(directory=f"{directory}/$(ID.NAM)", file_name=file_name)
    path = render_destination(profile, context).path
    assert not path.startswith("/")
    assert ".." not in path
    assert not any(ord(char) < 0x20 or char in '\\:*?"<>|\x7f' for char in path)
    assert "" not in path.split("/")
