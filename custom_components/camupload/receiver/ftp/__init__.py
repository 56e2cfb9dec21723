"""FTP side of the receiver, built on aioftp."""
