"""The former path of ``autoc.storage`` (moved below the type engine, which reads and writes blobs through it):
the same objects under their old names."""

from autoc.storage import (_CURRENT, FileAccess, _local, bound, current_file_access, download,  # noqa: F401
                           exists, filesystem, is_remote, join, read_bytes, remove_empty_folders, upload,
                           using_file_access, write_bytes)
