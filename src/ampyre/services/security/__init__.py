from ampyre.services.security.service import CertificateService, InstalledCertificates

__all__ = ["CertificateService", "InstalledCertificates"]
