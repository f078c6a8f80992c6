//! The daemon's own microphone (feature `mic`): cpal's default input device.
