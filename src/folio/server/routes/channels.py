"""Routes for channels (being written)."""

from fastapi import APIRouter

router = APIRouter()
