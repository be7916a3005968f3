"""Bare extension instances, attached to the app in ``create_app``."""
from __future__ import annotations

import hashlib

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    # Behind a proxy, ProxyFix (configured by PROXY_FIX) puts the client in remote_addr.
    return request.remote_addr or "unknown"


def submitted_email_key() -> str:
    """Rate-limit key for 'per account' limits: a hash, so no address sits in the store."""
    email = (request.form.get("email") or "").strip().lower()
    return "email:" + hashlib.sha256(email.encode()).hexdigest()


login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, default_limits=[])
